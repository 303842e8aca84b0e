"""The industry packs shipped with Luodi, one folder each. The core and the generic layers import none of them:
a pack is found through the `luodi.packs` entry point (see `luodi.pack` for the contract)."""
