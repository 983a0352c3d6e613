"""Django's, unfold's and simple-history's own messages, reworded for Japanese.

Their catalogs put spaces around a model's name (「削除 顧客」, 「家族 の追加」,
「1 個の 項目名設定 を変更しました」) and leave Django 6.1's new strings in English
("- Select an option -"). Listing the msgids here puts them in Kokyaku's catalog
(`make messages`), whose translations (locale/ja/LC_MESSAGES/django.po) win over every app's:
LOCALE_PATHS comes first. Nothing imports this module; it exists to be extracted.

The JavaScript strings (the selection counter, the time-zone note) are translated in
locale/ja/LC_MESSAGES/djangojs.po, edited by hand: makemessages does not scan Django's own scripts.
"""

from django.utils.translation import gettext_noop, ngettext_lazy

MESSAGES = [
    # Empty choice of every pulldown (Django 6.1: BLANK_CHOICE_LABEL).
    gettext_noop("- Select an option -"),
    # Buttons, titles and links built from a model's verbose name.
    gettext_noop("Delete %(name)s"),  # templates/admin/submit_line.html
    gettext_noop("Add %(name)s"),
    gettext_noop("Add %s"),
    gettext_noop("Change %s"),
    gettext_noop("View %s"),
    gettext_noop("Select %s"),
    gettext_noop("Select %s to change"),  # 「顧客一覧」, not 「変更する顧客を選択」 (issue 22, point 22)
    gettext_noop("Select %s to view"),
    gettext_noop("Search %(name)s"),
    gettext_noop("Add another %(verbose_name)s"),
    gettext_noop("Add another %(model)s"),
    gettext_noop("Revert %(verbose_name)s"),
    gettext_noop("View %(verbose_name)s"),
    gettext_noop("Cannot delete %(name)s"),
    gettext_noop("Delete selected %(verbose_name_plural)s"),
    # Messages after a save or a delete.
    gettext_noop("The {name} “{obj}” was added successfully."),
    gettext_noop("The {name} “{obj}” was added successfully. You may add another {name} below."),
    gettext_noop("The {name} “{obj}” was added successfully. You may edit it again below."),
    gettext_noop("The {name} “{obj}” was changed successfully."),
    gettext_noop("The {name} “{obj}” was changed successfully. You may edit it again below."),
    gettext_noop("The {name} “{obj}” was changed successfully. You may add another {name} below."),
    gettext_noop("The %(name)s “%(obj)s” was deleted successfully."),
    gettext_noop("Successfully deleted %(count)d %(items)s."),
    ngettext_lazy("%(count)s %(name)s was changed successfully.", "%(count)s %(name)s were changed successfully.", 0),
    # The admin's own change log (LogEntry).
    gettext_noop("Added {name} “{object}”."),
    gettext_noop("Changed {fields} for {name} “{object}”."),
    gettext_noop("Deleted {name} “{object}”."),
    gettext_noop("Changed {fields}."),
    # Delete confirmations.
    gettext_noop("Are you sure you want to delete the %(object_name)s “%(escaped_object)s”? "
                 "All of the following related items will be deleted:"),
    gettext_noop("Are you sure you want to delete the selected %(objects_name)s? "
                 "All of the following objects and their related items will be deleted:"),
    gettext_noop("Deleting the selected %(objects_name)s would require deleting the following protected "
                 "related objects:"),
    # unfold's single-object delete page (a customer whose orders protect it, a product on order lines)
    gettext_noop("Deleting the %(object_name)s '%(escaped_object)s' would require deleting the following "
                 "protected related objects:"),
    gettext_noop("Deleting the %(object_name)s '%(escaped_object)s' would result in deleting related objects, "
                 "but your account doesn't have permission to delete the following types of objects:"),
    # Office words, not the catalogs' (issue 22, point 22): 「利用者と権限 › 権限グループ」, not 「認証と認可 ›
    # グループ」; the records a delete takes with it, not 「オブジェクト」; 商品マスタ's 取込 and 出力, not
    # 「インポート」 and 「エクスポート」 (import-export's words its catalog lacks are in ui_ja).
    gettext_noop("Objects"),
    gettext_noop("Authentication and Authorization"),
    gettext_noop("group"),
    gettext_noop("groups"),
    gettext_noop("File to import"),
    gettext_noop("This importer will import the following fields: "),
    gettext_noop("Export selected %(verbose_name_plural)s"),
]
