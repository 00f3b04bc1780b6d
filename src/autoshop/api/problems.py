"""Errors in the OpenAPI document are what the API sends: application/problem+json (RFC 9457)."""

from __future__ import annotations

import http
from collections.abc import Callable
from typing import Any

from flask_smorest import Api, Blueprint
from flask_smorest.utils import prepare_response

from autoshop.api.schemas import ProblemSchema

PROBLEM_JSON = "application/problem+json"


class ProblemApi(Api):
    """flask-smorest's Api with its error responses documented as problem+json."""

    ERROR_SCHEMA = ProblemSchema

    def _register_responses(self) -> None:
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
                prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
        default = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(default, self.spec, PROBLEM_JSON)
        self.spec.components.response("DEFAULT_ERROR", default, lazy=True)


def problem_response(
    blp: Blueprint, status: int, description: str, schema: type = ProblemSchema
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Document an error answer of an operation as problem+json."""
    return blp.alt_response(
        status, schema=schema, description=description, content_type=PROBLEM_JSON
    )
