# JupyterHub configuration for a class of 50-200 trainees (see docs/deploy.md).
#
# Each trainee logs in to JupyterHub and gets a *standalone* Voila server running only the
# pbkit apps (role-play practice, pairing planner, branch dashboard), wrapped by
# jhsingle-native-proxy, which enforces JupyterHub's OAuth. We deliberately do NOT run Voila
# as a server extension inside jupyter-server: there a trainee could open /lab and run code.
#
# Results go to one shared PostgreSQL database through PBKIT_DB_URL.
import os

c = get_config()  # noqa: F821  (provided by JupyterHub when it loads this file)

c.JupyterHub.ip = "127.0.0.1"          # put nginx/TLS in front; never expose the hub directly
c.JupyterHub.port = 8000
c.JupyterHub.authenticator_class = "nativeauthenticator.NativeAuthenticator"  # or LDAP/OAuth
c.Authenticator.admin_users = {"trainer"}

# One process per trainee on this host (systemd-run gives memory limits per user).
c.JupyterHub.spawner_class = "systemdspawner.SystemdSpawner"
c.SystemdSpawner.mem_limit = "600M"      # one app kernel ~100-150 MB, Voila ~80 MB, headroom
c.SystemdSpawner.cpu_limit = 1.0
c.SystemdSpawner.isolate_tmp = True
c.SystemdSpawner.isolate_devices = True

PBKIT = os.environ.get("PBKIT_HOME", "/opt/pbkit")
c.Spawner.cmd = [f"{PBKIT}/.venv/bin/jhsingle-native-proxy"]
c.Spawner.args = [
    "--destport=0",
    # pbkit's Voila (pbkit.apps.voila_server): v1 kernel websocket only, every message's
    # part count and offsets checked before use (Voila 0.5.13 loops over an unchecked
    # 8-byte count), kernels with address-space/CPU limits; same options as `voila`
    f"{PBKIT}/.venv/bin/python", "-m", "pbkit.apps.voila_server", f"{PBKIT}/notebooks/apps",
    "{--}port={port}",
    "{--}Voila.ip=127.0.0.1",
    "{--}no-browser",
    "{--}Voila.base_url={base_url}/",
    "{--}Voila.server_url=/",
    "{--}strip_sources=True",
    "{--}show_tracebacks=False",
    "{--}template=pbkit",
    "{--}classic_tree=True",
    "{--}VoilaExecutor.timeout=120",
    "{--}MappingKernelManager.cull_interval=60",
    "{--}MappingKernelManager.cull_idle_timeout=120",
    "{--}preheat_kernel=True",
    "{--}pool_size=1",
    # only the widget front-end (pbkit.serving.APP_EXTENSIONS): fewer bundles per page open
    "{--}VoilaConfiguration.extension_allowlist=@jupyter-widgets/jupyterlab-manager",
    "{--}VoilaConfiguration.extension_allowlist=@voila-dashboards/widgets-manager8",
    # <html lang="zh">: Simplified Chinese glyph forms and a Chinese screen-reader voice
    "{--}VoilaExporter.language_code=zh",
]
# The role-play app stores attempts under the hub user (JUPYTERHUB_USER, set by the hub in
# each trainee's server), never under a code typed into the page: name hub users by their
# pseudonymous trainee codes and register those codes in the trainer console.
c.Spawner.environment = {
    "PBKIT_LANG": "zh",
    "PBKIT_DB_URL": os.environ.get("PBKIT_DB_URL", "postgresql+psycopg://pbkit@127.0.0.1/pbkit"),
    # the pbkit Voila template (Chinese loading message, app landing page)
    "JUPYTER_PATH": f"{PBKIT}/deploy/share",
}
c.Spawner.default_url = "/"
c.Spawner.http_timeout = 60
c.Spawner.start_timeout = 120

# Stop idle trainee servers (and their kernels) after 30 minutes.
c.JupyterHub.services = [{
    "name": "idle-culler",
    "command": [f"{PBKIT}/.venv/bin/python", "-m", "jupyterhub_idle_culler", "--timeout=1800"],
}]
c.JupyterHub.load_roles = [{
    "name": "idle-culler",
    "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
    "services": ["idle-culler"],
}]
