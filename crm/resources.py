"""Import and export of the product master (商品マスタ) through django-import-export's screens.

Customers, contact histories and purchases go through dataio (Excel encodings, background
jobs, a million rows); a master of a few hundred products is what import-export's preview suits.
"""

from import_export import resources

from .models import Product


class ProductResource(resources.ModelResource):
    class Meta:
        model = Product
        import_id_fields = ["code"]
        fields = ["code", "name", "category", "unit_price", "tax_rate", "is_active"]
        export_order = fields
        skip_unchanged = True
        report_skipped = True
        use_transactions = True
        clean_model_instances = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        for name, field in self.fields.items():
            field.column_name = str(Product._meta.get_field(name).verbose_name)

    def before_save_instance(self, instance, row, **kwargs):
        instance._change_reason = "CSV取込"
