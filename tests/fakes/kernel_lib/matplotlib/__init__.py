"""A stand-in for matplotlib in the fake workbench: `matplotlib.pyplot` draws simple charts."""

__version__ = "0.0+fake-workbench"


def use(backend: str) -> None:
    """Backends do not matter here: every figure is drawn into a PNG."""
