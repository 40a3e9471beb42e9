"""The Web API methods the emulator answers: one module per Slack method family.

A method is a function ``(workspace, request) -> JSON body`` that raises
:class:`~bot.emulator.calls.SlackError` to refuse; it runs under the workspace lock,
after auth, faults and rate limits (see :mod:`bot.emulator.api`). To answer a new
method, write it in its family's module and add it to :data:`METHODS`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from bot.emulator.calls import JsonDict, Request
from bot.emulator.methods import apps, auth, chat, conversations, files, oauth, users, views
from bot.emulator.workspace import Workspace

Method = Callable[[Workspace, Request], JsonDict]

METHODS: Mapping[str, Method] = {
    "api.test": auth.api_test,
    "apps.connections.open": apps.apps_connections_open,
    "auth.test": auth.auth_test,
    "chat.delete": chat.chat_delete,
    "chat.getPermalink": chat.chat_get_permalink,
    "chat.postEphemeral": chat.chat_post_ephemeral,
    "chat.postMessage": chat.chat_post_message,
    "chat.update": chat.chat_update,
    "conversations.info": conversations.conversations_info,
    "conversations.join": conversations.conversations_join,
    "conversations.open": conversations.conversations_open,
    "files.completeUploadExternal": files.files_complete_upload_external,
    "files.getUploadURLExternal": files.files_get_upload_url_external,
    "files.info": files.files_info,
    "oauth.v2.access": oauth.oauth_v2_access,
    "team.info": auth.team_info,
    "users.info": users.users_info,
    "users.list": users.users_list,
    "users.lookupByEmail": users.users_lookup_by_email,
    "views.open": views.views_open,
    "views.publish": views.views_publish,
    "views.push": views.views_push,
    "views.update": views.views_update,
}
