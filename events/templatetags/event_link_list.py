"""{% event_link_result_list cl %}: unfold's result list for the event's customer list, rows drawn by
events.link_rows (the same template, change_list_results.html, and the same HTML)."""

from django import VERSION as DJANGO_VERSION
from django.contrib.admin.templatetags.base import InclusionAdminNode
from django.template import Library

from events.link_rows import result_list

register = Library()


@register.tag(name="event_link_result_list")
def event_link_result_list(parser, token):
    if DJANGO_VERSION >= (6, 1):
        return InclusionAdminNode("event_link_result_list", parser, token, func=result_list,
                                  template_name="change_list_results.html")
    return InclusionAdminNode(parser, token, func=result_list, template_name="change_list_results.html")
