"""Flask extensions, created unbound here and bound to an app in `create_app`."""

from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_security import Security
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from autoshop.api.problems import ProblemApi
from autoshop.models.base import Base
from autoshop.security_forms import CustomerLoginForm, CustomerRegisterForm, OutboxMailUtil

db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
csrf = CSRFProtect()
security = Security(
    login_form=CustomerLoginForm, register_form=CustomerRegisterForm, mail_util_cls=OutboxMailUtil
)
limiter = Limiter(key_func=get_remote_address, default_limits=[])
api = ProblemApi()
