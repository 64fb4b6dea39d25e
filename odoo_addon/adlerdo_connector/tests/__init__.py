from . import test_hooks
from . import test_settings
from . import test_hub_down
from . import test_hub_views
from . import test_security
