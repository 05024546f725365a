"""`manage.py load_demo`: the loader lives in cms.demo, above every app."""

from cms.demo.loader import LoadDemoCommand as Command

__all__ = ["Command"]
