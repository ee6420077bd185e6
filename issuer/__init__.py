"""Vouch's issuer: keys, credentials, persistence, certificates, the web app and the CLI."""
