# Home Assistant 2026.9 and newer run voluptuous as probatio (`install_as_voluptuous`), and type
# their schemas with probatio's classes: type voluptuous the same, so that one import fits every
# release. Typing only; drop it with voluptuous when the oldest release supported is 2026.9.
from probatio import *  # noqa: F403
from probatio import UNDEFINED as UNDEFINED
