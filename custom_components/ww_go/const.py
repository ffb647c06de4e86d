"""Constants of the WW Go integration."""

from typing import Final

DOMAIN: Final = "ww_go"
