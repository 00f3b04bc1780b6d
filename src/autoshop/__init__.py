"""AutoShop: online appointments and the daily run of an auto repair shop."""

from autoshop.app import create_app

__all__ = ["create_app"]
