"""Forms of the import wizard (the mapping table is plain selects, read in the view)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.web.forms import StyledForm


class UploadForm(StyledForm):
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV (UTF-8, or GBK as Excel saves it in China) or Excel .xlsx, with the column "
            "names in the first row."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx"}),
    )
    template = forms.ChoiceField(label=_("Saved mapping"), required=False)

    def __init__(self, *args: Any, templates: list[Any], object_type: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if templates:
            self.fields["template"].choices = [  # type: ignore[attr-defined]
                ("", _("Guess from the column names")),
                *((str(t.pk), t.name) for t in templates),
            ]
        else:
            del self.fields["template"]


class TemplateForm(StyledForm):
    name = forms.CharField(label=_("Save this mapping as"), max_length=80)
