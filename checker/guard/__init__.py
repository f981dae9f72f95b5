"""Guard: check each model customization job the moment it is created, from AWS Lambda.

The Lambda handler is ``checker.guard.handler``. It imports neither click nor boto3 until an
event needs them; see docs/guard.md for the events, the configuration and the deployment.
"""

from __future__ import annotations

from checker.guard.runtime import handler, reset

__all__ = ["handler", "reset"]
