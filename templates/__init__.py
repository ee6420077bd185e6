"""Jinja templates for the web pages and the certificate (a package so installs carry them)."""

from pathlib import Path

TEMPLATES_DIR = Path(__file__).resolve().parent
