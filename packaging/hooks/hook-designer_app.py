# PyInstaller hook: Designer loads its domains, methods and oracle kinds by entry-point name
# (designer_app.registry), so the analysis cannot follow those imports; collect them all.
from PyInstaller.utils.hooks import collect_submodules, copy_metadata

hiddenimports = collect_submodules("designer_app")
datas = copy_metadata("designer-app")
