"""Vouch's public verifier: works from published material only (keys, status lists), no database."""
