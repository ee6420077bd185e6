"""WSGI entry point for production servers: ``gunicorn 'issuer.wsgi:app'``.

Settings come from the environment (``VOUCH_*``), as for every other command.
"""

from issuer.app import create_app

app = create_app()
