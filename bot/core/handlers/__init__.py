"""The command handlers; importing this package registers every command.

Every module in the package is imported, so adding a command is adding a module.
"""

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
