"""marrowscope: the whole bone marrow examination, from blood count to signed report."""

__version__ = "0.1.0"
__all__ = ["__version__"]
