from .views.account import urlpatterns as account_urlpatterns
from .views.admin_pages import urlpatterns as admin_urlpatterns
from .views.invitations import urlpatterns as invitation_urlpatterns
from .views.notifications import urlpatterns as notification_urlpatterns

app_name = "core"

urlpatterns = (
    account_urlpatterns + admin_urlpatterns + invitation_urlpatterns + notification_urlpatterns
)
