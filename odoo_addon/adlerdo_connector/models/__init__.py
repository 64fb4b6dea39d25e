from . import adlerdo_hub
from . import res_config_settings
from . import product
from . import stock
from . import adlerdo_dashboard
from . import adlerdo_marketplace_account
from . import adlerdo_hub_order
from . import adlerdo_hub_job
