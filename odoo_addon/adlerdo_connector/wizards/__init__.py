from . import adlerdo_map_sku
