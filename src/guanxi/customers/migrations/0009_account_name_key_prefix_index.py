"""The account name key index also serves prefix matches (PostgreSQL: text_pattern_ops), for
searching a company by its brand without its city or legal form ("云帆" → 上海云帆科技有限公司)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0004_drop_single_column_fk_indexes'),
        ('customers', '0008_sqlite_search_fts'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='account',
            name='account_ws_name_key',
        ),
        migrations.AddIndex(
            model_name='account',
            index=models.Index(fields=['workspace', 'name_key'], name='account_ws_name_key', opclasses=['', 'text_pattern_ops']),
        ),
    ]
