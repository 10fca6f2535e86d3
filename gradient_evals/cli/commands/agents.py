"""``gradient-evals agents ...``: the agents evaluations run against, by name and UUID."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from ...types import Agent, AgentMcpServer
from .._args import Subcommands, add_command, add_group
from .._context import EXIT_OK, Context
from .._render import dump_json, render_table, status_name
from .._views import clip

__all__ = ["register"]

_REDACTED = "<redacted>"


def register(commands: Subcommands) -> None:
    """Add ``agents`` and its commands."""
    agents = add_group(commands, "agents", "the agents evaluations run against")
    listing = add_command(agents, "list", list_agents, "every agent: name, UUID, deployment status, model")
    listing.add_argument("--only-deployed", action="store_true", help="only the agents that are deployed")
    get = add_command(agents, "get", get_agent, "one agent, by name or UUID")
    get.add_argument("agent", metavar="NAME|UUID")
    versions = add_command(agents, "versions", list_versions, "an agent's versions, newest first, by name or UUID")
    versions.add_argument("agent", metavar="NAME|UUID")


def _without_credentials(agent: Agent) -> Agent:
    """``agent`` with its MCP servers' authorization and header values replaced, for printing."""

    def server(mcp: AgentMcpServer) -> AgentMcpServer:
        return attrs.evolve(
            mcp,
            authorization=None if mcp.authorization is None else _REDACTED,
            headers=dict.fromkeys(mcp.headers, _REDACTED),
        )

    secrets: dict[str, Any] = {
        "mcp_servers": tuple(server(mcp) for mcp in agent.mcp_servers),
        "api_keys": tuple(
            attrs.evolve(key, api_key=None if key.api_key is None else _REDACTED) for key in agent.api_keys
        ),
        "api_key_infos": tuple(
            attrs.evolve(info, secret_key=None if info.secret_key is None else _REDACTED)
            for info in agent.api_key_infos
        ),
        "functions": tuple(
            attrs.evolve(fn, api_key=None if fn.api_key is None else _REDACTED) for fn in agent.functions
        ),
    }
    return attrs.evolve(agent, **secrets)


def _rows(agents: Sequence[Agent]) -> str:
    rows = [
        (
            clip(a.name, 32),
            a.uuid,
            status_name(a.deployment.status if a.deployment else None).removeprefix("STATUS_").lower(),
            clip(a.model.name if a.model else None, 32),
            a.region,
        )
        for a in agents
    ]
    return render_table(["NAME", "UUID", "DEPLOYMENT", "MODEL", "REGION"], rows)


def list_agents(ctx: Context) -> int:
    """``agents list``: every agent, through every page."""
    only_deployed = True if ctx.args.only_deployed else None
    with ctx.client() as client:
        agents = [_without_credentials(a) for a in client.agents.iter(only_deployed=only_deployed)]
    if ctx.json:
        dump_json(agents, ctx.stdout)
    else:
        ctx.out(_rows(agents) if agents else "no agents")
    return EXIT_OK


def get_agent(ctx: Context) -> int:
    """``agents get``: the agent a name or UUID means, in full (credentials redacted)."""
    with ctx.client() as client:
        agent = _without_credentials(client.agents.retrieve(client.agents.resolve(ctx.args.agent)))
    if ctx.json:
        dump_json(agent, ctx.stdout)
    else:
        ctx.out(_rows([agent]))
    return EXIT_OK


def list_versions(ctx: Context) -> int:
    """``agents versions``: every version of the agent a name or UUID means."""
    with ctx.client() as client:
        versions = list(client.agents.iter_versions(client.agents.resolve(ctx.args.agent)))
    if ctx.json:
        dump_json(versions, ctx.stdout)
        return EXIT_OK
    rows = [
        (
            clip(v.name, 20),
            (v.version_hash or "")[:8],
            v.created_at,
            "yes" if v.currently_applied else "",
            clip(v.model_name, 32),
        )
        for v in versions
    ]
    ctx.out(render_table(["VERSION", "HASH", "CREATED", "APPLIED", "MODEL"], rows) if rows else "no versions")
    return EXIT_OK
