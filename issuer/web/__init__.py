"""The issuer's Flask blueprints."""
