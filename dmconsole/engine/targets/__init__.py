"""Target families, one module (or package) each; importing this package registers them all.

Adding a family is adding its module here (and its pane under ``tui/panes/``): nothing else names it.
"""

import importlib
import pkgutil

for _module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    importlib.import_module(f"{__name__}.{_module.name}")
