# Copyright 2026 AdlerDo
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "AdlerDo Connector",
    "summary": "Connect Odoo to the AdlerDo marketplace hub (Amazon, eBay, Shopify)",
    "version": "18.0.1.0.0",
    "category": "Sales",
    "website": "https://github.com/adlerdo/adlerdo",
    "author": "AdlerDo",
    "license": "LGPL-3",
    "development_status": "Beta",
    "application": True,
    "depends": ["sale_stock"],
    "external_dependencies": {"python": []},
    "data": [
        "security/adlerdo_security.xml",
        "security/ir.model.access.csv",
        "data/adlerdo_data.xml",
        "views/res_config_settings_views.xml",
        "views/adlerdo_dashboard_views.xml",
        "views/adlerdo_marketplace_account_views.xml",
        "views/adlerdo_hub_order_views.xml",
        "views/adlerdo_hub_job_views.xml",
        "wizards/adlerdo_map_sku_views.xml",
        "views/adlerdo_menus.xml",
    ],
}
