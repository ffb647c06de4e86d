"""The integration's icon is served by Home Assistant itself, with no brands CDN involved."""

from pathlib import Path

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

BRAND = Path(__file__).parents[2] / "custom_components" / "ww_go" / "brand"


# Before 2026.5 the brands component leaves its token timer after the stop: drop this from then.
@pytest.mark.parametrize("expected_lingering_timers", [True])
@pytest.mark.parametrize(
    ("image", "file"),
    [("icon.png", "icon.png"), ("icon@2x.png", "icon@2x.png"), ("logo.png", "icon.png")],
)
async def test_brand_images(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, image: str, file: str
) -> None:
    assert await async_setup_component(hass, "brands", {})
    client = await hass_client()
    response = await client.get(f"/api/brands/integration/ww_go/{image}?placeholder=no")
    assert response.status == 200
    assert response.content_type == "image/png"
    assert await response.read() == (BRAND / file).read_bytes()
