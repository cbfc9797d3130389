"""The test settings with the dataio app installed and its pages routed, for running this
module's tests before the app is wired into guanxi.settings and guanxi.urls:

    .venv/bin/pytest tests/dataio --ds=tests.dataio.settings
"""

from tests.settings import *  # noqa: F403
from tests.settings import INSTALLED_APPS

if "guanxi.dataio" not in INSTALLED_APPS:
    INSTALLED_APPS = [*INSTALLED_APPS, "guanxi.dataio"]
ROOT_URLCONF = "tests.dataio.urls"
