"""Finding this process's container id, and its container among the task's."""

from __future__ import annotations

import socket
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from ecs_log_context._own_container import (
    MAX_READ,
    OwnContainerIds,
    explain_resolution,
    parse_cgroup,
    parse_mountinfo,
    read_own_container_ids,
    resolve_own_container,
)

from .documents import fixture_json

# DockerIds of the fixtures.
NGINX = "43481a6ce4842eec8fe72fc28500c6b52edcc0917f105b83379f88cac1ff3946"
NGINX_PAUSE = "731a0d6a3b4210e2448339bc7015aaa79bfe4fa256384f4102db86ef94cbbc4c"
CURL = "ee08638adaaf009d78c248913f629e38299471d45fe7dc944d1039077e3424ca"
CURL_PAUSE = "598cba581fe3f939459eaba1e071d5c93bb2c49b7d1ba7db6bb19deeb70d8e38"
EC2_TASK = "158d1c8083dd49d6b527399fd6414f5c"
OLD_EC2_TASK = "9781c248-0edd-4cdb-9a93-f63cb662a5d3"
FARGATE_TASK = "e9028f8d5d8e4f258373e7b93ce9a3c3"
FARGATE = f"{FARGATE_TASK}-2495160603"

# 64-hex strings that are not this container's id.
LAYER = "9c4f0e6d3b2a1908f7e6d5c4b3a29180f7e6d5c4b3a2918070f6e5d4c3b2a190"
VOLUME = "5e1b7c9a2d4f6081a3c5e7092b4d6f8a1c3e5072b4d6f8a0c2e4f6a8b0d2e4f6"
SANDBOX = "b7d3e1f0a9c8b7a6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2"
OTHER = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"


@dataclass(frozen=True)
class Box:
    """A stand-in for ``ContainerMetadata`` with only what resolution reads."""

    docker_id: str | None
    name: str | None
    type: str | None


def containers(fixture: str) -> list[Box]:
    task = fixture_json(fixture)
    return [Box(c.get("DockerId"), c.get("Name"), c.get("Type")) for c in task["Containers"]]


def ecs_ec2_cgroup_v1(task: str, container: str) -> str:
    controllers = [
        "blkio",
        "perf_event",
        "freezer",
        "devices",
        "pids",
        "cpuset",
        "hugetlb",
        "net_cls,net_prio",
        "memory",
        "cpu,cpuacct",
        "rdma",
    ]
    lines = [
        f"{n}:{c}:/ecs/{task}/{container}"
        for n, c in zip(range(12, 1, -1), controllers, strict=True)
    ]
    lines.append(f"1:name=systemd:/ecs/{task}/{container}")
    return "\n".join(lines) + "\n"


def docker_mountinfo(container: str, docker_root: str = "/var/lib/docker") -> str:
    """About what Docker 20+ on a cgroup v2 host writes for a container, with traps."""
    c, d = container, docker_root
    overlay = (
        f"overlay overlay rw,lowerdir={d}/overlay2/l/7Q3ZJ2M4XUXWQ6:{d}/overlay2/l/KX2BQJ7C5Y4ZL3,"
        f"upperdir={d}/overlay2/{LAYER}/diff,workdir={d}/overlay2/{LAYER}/work,nouserxattr"
    )
    xfs = "xfs /dev/nvme0n1p1 rw,attr2,inode64,logbufs=8,logbsize=32k,noquota"
    tmpfs = "tmpfs tmpfs rw,size=65536k,mode=755,inode64"
    metadata = f"/var/lib/ecs/data/metadata/default/{EC2_TASK}/curl"
    return f"""\
1175 1042 0:122 / / rw,relatime master:499 - {overlay}
1176 1175 0:125 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw
1177 1175 0:126 / /dev rw,nosuid - {tmpfs}
1178 1177 0:127 / /dev/pts rw,nosuid,noexec,relatime - devpts devpts rw,gid=5,mode=620,ptmxmode=666
1179 1175 0:128 / /sys ro,nosuid,nodev,noexec,relatime - sysfs sysfs ro
1180 1179 0:30 / /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - cgroup2 cgroup rw,nsdelegate
1181 1177 0:124 / /dev/mqueue rw,nosuid,nodev,noexec,relatime - mqueue mqueue rw
1182 1177 0:129 / /dev/shm rw,nosuid,nodev,noexec,relatime - tmpfs shm rw,size=65536k,inode64
1183 1175 259:1 {d}/containers/{c}/resolv.conf /etc/resolv.conf rw,noatime - {xfs}
1184 1175 259:1 {d}/containers/{c}/hostname /etc/hostname rw,noatime - {xfs}
1185 1175 259:1 {d}/containers/{c}/hosts /etc/hosts rw,noatime - {xfs}
1186 1175 259:1 {metadata} /opt/ecs/metadata/1d3c6a8e-2f4b-4c5d-8e9f-0a1b rw,noatime - {xfs}
1187 1175 259:1 {d}/volumes/{VOLUME}/_data /data rw,noatime master:1 - {xfs}
1188 1175 259:1 {d}/containers /host/containers ro,noatime - {xfs}
1043 1176 0:125 /bus /proc/bus ro,nosuid,nodev,noexec,relatime - proc proc rw
1044 1176 0:125 /fs /proc/fs ro,nosuid,nodev,noexec,relatime - proc proc rw
1045 1176 0:125 /irq /proc/irq ro,nosuid,nodev,noexec,relatime - proc proc rw
1046 1176 0:125 /sys /proc/sys ro,nosuid,nodev,noexec,relatime - proc proc rw
1047 1176 0:125 /sysrq-trigger /proc/sysrq-trigger ro,nosuid,nodev,noexec,relatime - proc proc rw
1048 1176 0:130 / /proc/acpi ro,relatime - tmpfs tmpfs ro,inode64
1049 1176 0:126 /null /proc/interrupts rw,nosuid - {tmpfs}
1050 1176 0:126 /null /proc/kcore rw,nosuid - {tmpfs}
1051 1176 0:126 /null /proc/keys rw,nosuid - {tmpfs}
1052 1176 0:126 /null /proc/latency_stats rw,nosuid - {tmpfs}
1053 1176 0:126 /null /proc/timer_list rw,nosuid - {tmpfs}
1054 1176 0:126 /null /proc/sched_debug rw,nosuid - {tmpfs}
1055 1176 0:131 / /proc/scsi ro,relatime - tmpfs tmpfs ro,inode64
1056 1179 0:132 / /sys/firmware ro,relatime - tmpfs tmpfs ro,inode64
1057 1179 0:133 / /sys/devices/virtual/powercap ro,relatime - tmpfs tmpfs ro,inode64
"""


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def read(
    tmp_path: Path, cgroup: str | None, mountinfo: str | None, hostname: str = ""
) -> OwnContainerIds:
    """Read ids from files written into tmp_path (None: the file does not exist)."""
    cgroup_path = write(tmp_path, "cgroup", cgroup) if cgroup is not None else str(tmp_path / "x")
    mountinfo_path = (
        write(tmp_path, "mountinfo", mountinfo) if mountinfo is not None else str(tmp_path / "y")
    )
    return read_own_container_ids(
        cgroup_path=cgroup_path, mountinfo_path=mountinfo_path, hostname=hostname
    )


# -- cgroup ---------------------------------------------------------------------------------------


def test_cgroup_v1_ecs_on_ec2(tmp_path: Path) -> None:
    """ECS on EC2 (cgroup v1): every controller names ``/ecs/<task id>/<container id>``."""
    own = read(tmp_path, ecs_ec2_cgroup_v1(EC2_TASK, CURL), None)
    assert (CURL,) == own.full_ids


def test_cgroup_v1_ecs_on_ec2_old_task_id() -> None:
    """A task id in the old UUID format works as well as the new 32-hex one."""
    assert [NGINX] == parse_cgroup(ecs_ec2_cgroup_v1(OLD_EC2_TASK, NGINX))


def test_cgroup_v1_plain_docker() -> None:
    """Plain Docker with the cgroupfs driver: ``/docker/<container id>``."""
    text = "\n".join(
        [
            f"12:pids:/docker/{NGINX}",
            f"11:memory:/docker/{NGINX}",
            f"10:cpu,cpuacct:/docker/{NGINX}",
            "9:rdma:/",
            f"1:name=systemd:/docker/{NGINX}",
            "0::/system.slice/containerd.service",
        ]
    )
    assert [NGINX] == parse_cgroup(text)


@pytest.mark.parametrize(
    "text",
    [
        f"0::/system.slice/docker-{CURL}.scope\n",
        f"4:memory:/system.slice/docker-{CURL}.scope\n1:name=systemd:/system.slice/docker-{CURL}.scope",
    ],
    ids=["v2-host-namespace", "v1"],
)
def test_cgroup_systemd_docker_scope(text: str) -> None:
    """Docker with the systemd driver: ``/system.slice/docker-<container id>.scope``."""
    assert [CURL] == parse_cgroup(text)


def test_cgroup_v1_fargate(tmp_path: Path) -> None:
    """Fargate: ``/ecs/<task id>/<task id>-<digits>``, and that last part is the DockerId."""
    text = "".join(
        f"{n}:{c}:/ecs/{FARGATE_TASK}/{FARGATE}\n"
        for n, c in [(11, "hugetlb"), (10, "memory"), (5, "cpu,cpuacct"), (1, "name=systemd")]
    )
    own = read(tmp_path, text, None)
    assert (FARGATE,) == own.full_ids


@pytest.mark.parametrize(
    "path",
    [
        f"/ecs/{FARGATE_TASK}/{FARGATE_TASK}-12345678901",
        f"/ecs/{FARGATE_TASK}/{FARGATE_TASK}-",
        f"/ecs/{FARGATE_TASK}/{FARGATE_TASK[:31]}-2495160603",
        f"/ecs/{FARGATE_TASK}/{FARGATE}x",
    ],
)
def test_cgroup_fargate_shape_is_strict(path: str) -> None:
    """Only 32 hex, a dash and 1 to 10 digits make a Fargate id."""
    assert [] == parse_cgroup(f"3:memory:{path}")


def test_cgroup_v2_private_namespace_has_no_id() -> None:
    """``0::/`` alone is a private cgroup namespace: the file names nothing."""
    assert [] == parse_cgroup("0::/\n")


def test_cgroup_v2_relative_path_above_the_namespace() -> None:
    """A ``/../..`` path names the container whose cgroup it ends in, or nothing."""
    assert ([], [CURL]) == (
        parse_cgroup("0::/../..\n"),
        parse_cgroup(f"0::/../../system.slice/docker-{CURL}.scope\n"),
    )


@pytest.mark.parametrize(
    "text",
    [
        f"0::/kubepods.slice/kubepods-besteffort.slice/cri-containerd-{OTHER}.scope",
        f"11:memory:/kubepods/besteffort/pod0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9/{OTHER}",
        f"11:memory:/sandboxes/{OTHER}",
        f"11:memory:/my-docker/{OTHER}",
        f"11:memory:/docker/{OTHER}0",
        f"11:memory:/docker/{OTHER[:63]}",
        f"11:memory:/docker/{OTHER.upper()}",
        f"11:memory:/user.slice/docker-{OTHER}.service",
        f"11:memory:/ecs/{EC2_TASK}/{OTHER}-1",
        f"/docker/{OTHER}",
        f"{OTHER}",
        "",
    ],
)
def test_cgroup_ignores_hex_outside_known_shapes(text: str) -> None:
    """A 64-hex string in a path of no known shape, or a malformed line, is not an id."""
    assert [] == parse_cgroup(text)


def test_cgroup_docker_in_docker_innermost_first() -> None:
    """Nested Docker: the innermost container first, its host container next."""
    assert [CURL, NGINX] == parse_cgroup(f"4:memory:/docker/{NGINX}/docker/{CURL}\n")


def test_cgroup_systemd_inside_a_container() -> None:
    """A sub-cgroup under the container's cgroup still names the container."""
    assert [NGINX] == parse_cgroup(f"0::/docker/{NGINX}/init.scope\n")


def test_cgroup_ecs_before_docker() -> None:
    """An ECS-shaped path is more confident than a plain Docker one, whatever the line order."""
    text = f"2:memory:/docker/{OTHER}\n1:name=systemd:/ecs/{EC2_TASK}/{CURL}\n"
    assert [CURL, OTHER] == parse_cgroup(text)


# -- mountinfo ------------------------------------------------------------------------------------


def test_cgroup_v2_private_namespace_reads_mountinfo(tmp_path: Path) -> None:
    """Under ``0::/`` the id comes from the Docker files mounted on ``/etc``, not from traps."""
    own = read(tmp_path, "0::/\n", docker_mountinfo(CURL))
    assert (CURL,) == own.full_ids


def test_mountinfo_own_filesystem_and_custom_root() -> None:
    """``/var/lib/docker`` on its own filesystem, or a custom data-root, names the same id."""
    assert ([NGINX], [NGINX]) == (
        parse_mountinfo(docker_mountinfo(NGINX, docker_root="")),
        parse_mountinfo(docker_mountinfo(NGINX, docker_root="/data/docker")),
    )


@pytest.mark.parametrize(
    ("root", "mount_point"),
    [
        (
            f"/var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes/{SANDBOX}/hostname",
            "/etc/hostname",
        ),
        (f"/var/lib/docker/containers/{OTHER}/hostname", "/data/hostname"),
        (f"/var/lib/docker/containers/{OTHER}/hostname.bak", "/etc/hostname"),
        (f"/var/lib/docker/containers/{OTHER}/hosts", "/etc/hostname"),
        (f"/var/lib/docker/containers/{OTHER}", "/etc/hostname"),
        (f"/var/lib/docker/containers/{OTHER}/{OTHER}-json.log", "/var/log/x.log"),
        (f"/var/lib/docker/volumes/{VOLUME}/_data", "/etc/hostname"),
        (f"/var/lib/docker/my-containers/{OTHER}/hostname", "/etc/hostname"),
    ],
    ids=[
        "sandbox",
        "elsewhere",
        "other-file",
        "wrong-target",
        "directory",
        "log-file",
        "volume",
        "other-directory",
    ],
)
def test_mountinfo_ignores_other_mounts(root: str, mount_point: str) -> None:
    """Only Docker's ``hostname``, ``hosts`` or ``resolv.conf`` on that ``/etc`` file counts."""
    assert [] == parse_mountinfo(f"1 0 0:1 {root} {mount_point} rw - ext4 /dev/root rw\n")


@pytest.mark.parametrize(
    "line",
    [
        f"1 0 0:1 / / rw - overlay overlay rw,upperdir=/var/lib/docker/containers/{OTHER}/hostname",
        f"1 0 0:1 /var/lib/docker/containers/{OTHER}/hostname",
        "",
    ],
    ids=["in-options", "short-line", "empty"],
)
def test_mountinfo_ignores_malformed_lines(line: str) -> None:
    """An id outside the root field, or a line too short to have one, is not read."""
    assert [] == parse_mountinfo(line)


def test_mountinfo_hostname_before_hosts_before_resolv_conf() -> None:
    """If the mounts disagree, the ``/etc/hostname`` one comes first."""
    text = (
        f"1 0 0:1 /var/lib/docker/containers/{OTHER}/resolv.conf /etc/resolv.conf rw - xfs a rw\n"
        f"2 0 0:1 /var/lib/docker/containers/{NGINX}/hosts /etc/hosts rw - xfs a rw\n"
        f"3 0 0:1 /var/lib/docker/containers/{CURL}/hostname /etc/hostname rw - xfs a rw\n"
    )
    assert [CURL, NGINX, OTHER] == parse_mountinfo(text)


def test_cgroup_ids_before_mountinfo_ids(tmp_path: Path) -> None:
    """Ids of the cgroup file come first, and an id both files name is listed once."""
    own = read(
        tmp_path,
        ecs_ec2_cgroup_v1(EC2_TASK, CURL),
        docker_mountinfo(OTHER) + docker_mountinfo(CURL),
    )
    assert (CURL, OTHER) == own.full_ids


# -- files that cannot be read, and the hostname ---------------------------------------------


def test_missing_files_give_nothing(tmp_path: Path) -> None:
    """Missing files are noted and skipped: no ids, no exception."""
    own = read(tmp_path, None, None)
    expected = OwnContainerIds(
        full_ids=(),
        short_id=None,
        sources=(f"{tmp_path / 'x'}: not found", f"{tmp_path / 'y'}: not found"),
    )
    assert expected == own


@pytest.mark.parametrize("bad", ["directory", "nul"])
def test_unreadable_paths_are_skipped(tmp_path: Path, bad: str) -> None:
    """A directory, or a path the OS refuses, is noted as unreadable and skipped."""
    path = str(tmp_path) if bad == "directory" else "/proc/self/cgr\x00oup"
    mountinfo = write(tmp_path, "mountinfo", docker_mountinfo(CURL))
    own = read_own_container_ids(cgroup_path=path, mountinfo_path=mountinfo, hostname="")
    assert ((CURL,), True) == (own.full_ids, own.sources[0].startswith(f"{path}: unreadable"))


def test_only_the_first_256_kib_are_read(tmp_path: Path) -> None:
    """An id beyond the first 256 KiB, or on a line cut at that limit, is not read."""
    filler = "".join(f"{n}:memory:/x{'y' * 40}\n" for n in range(MAX_READ // 40))
    beyond = read(tmp_path, filler + f"1:memory:/docker/{CURL}\n", None)
    cut = "x" * (MAX_READ - len(f"1:memory:/docker/{CURL}")) + "\n"
    at_limit = read(tmp_path, cut[1:] + f"1:memory:/docker/{CURL}/more", None)
    assert ((), ()) == (beyond.full_ids, at_limit.full_ids)


def test_an_id_ending_just_before_the_limit_is_read(tmp_path: Path) -> None:
    """A whole last line that ends exactly at 256 KiB is kept."""
    line = f"1:memory:/docker/{CURL}\n"
    own = read(tmp_path, "x" * (MAX_READ - len(line) - 1) + "\n" + line, None)
    assert (CURL,) == own.full_ids


def test_bridge_mode_hostname_is_the_short_id(tmp_path: Path) -> None:
    """A hostname of 12 lowercase hex characters is the short Docker id (bridge mode)."""
    own = read(tmp_path, None, None, hostname=NGINX[:12])
    assert (
        NGINX[:12],
        f"{NGINX[:12]} from the hostname (a short Docker id, as in bridge mode)",
    ) == (
        own.short_id,
        own.sources[-1],
    )


@pytest.mark.parametrize(
    "hostname",
    ["ip-10-0-2-106.ec2.internal", "43481A6CE484", "43481a6ce48", "43481a6ce4842", "", "localhost"],
)
def test_other_hostnames_are_ignored(tmp_path: Path, hostname: str) -> None:
    """An awsvpc ``ip-...`` name, upper case, or a wrong length gives no short id."""
    assert None is read(tmp_path, None, None, hostname=hostname).short_id


def test_hostname_defaults_to_the_system_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a hostname given, ``socket.gethostname()`` is asked."""
    monkeypatch.setattr(socket, "gethostname", lambda: CURL[:12])
    own = read_own_container_ids(
        cgroup_path=str(tmp_path / "x"), mountinfo_path=str(tmp_path / "y")
    )
    assert CURL[:12] == own.short_id


def test_hostname_that_cannot_be_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A failing ``gethostname`` is noted, not raised."""

    def fail() -> str:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(socket, "gethostname", fail)
    own = read_own_container_ids(
        cgroup_path=str(tmp_path / "x"), mountinfo_path=str(tmp_path / "y")
    )
    assert (None, "hostname: unknown (Input/output error)") == (own.short_id, own.sources[-1])


def test_sources_say_where_each_id_came_from(tmp_path: Path) -> None:
    """Each id found, and each thing that gave none, has one note, in the order looked at."""
    own = read(tmp_path, "0::/\n", docker_mountinfo(CURL), hostname="ip-10-0-2-106.ec2.internal")
    expected = (
        f"{tmp_path / 'cgroup'}: no container id",
        f"{CURL} from {tmp_path / 'mountinfo'} line 10"
        " (Docker's hostname mounted on /etc/hostname)",
        "hostname 'ip-10-0-2-106.ec2.internal': not a short Docker id",
    )
    assert expected == own.sources


def test_default_paths_never_raise() -> None:
    """On whatever machine runs the tests, the real files give a result, never an exception."""
    own = read_own_container_ids()
    assert isinstance(own, OwnContainerIds)


# -- resolution -----------------------------------------------------------------------------------


def test_rule_a_full_id_matches_docker_id() -> None:
    """(a) The container whose DockerId is this process's id."""
    task = containers("v2_task_nginx_awsdocs.json")
    own = OwnContainerIds(full_ids=(NGINX,))
    assert (task[1], "container 'nginx-curl': its DockerId is this process's id " + NGINX) == (
        resolve_own_container(task, own),
        explain_resolution(task, own),
    )


def test_rule_a_ids_tried_most_confident_first() -> None:
    """The first of the full ids that matches a container decides."""
    task = containers("v2_taskWithTags_datadog.json")
    own = OwnContainerIds(full_ids=(OTHER, task[0].docker_id or "", task[1].docker_id or ""))
    assert task[0] is resolve_own_container(task, own)


def test_rule_a_from_a_real_cgroup_file(tmp_path: Path) -> None:
    """An ECS-on-EC2 cgroup file picks ``curl``, not the pause container, in the v4 task."""
    task = containers("v4_task_ec2_awsvpc_awsdocs.json")
    own = read(tmp_path, ecs_ec2_cgroup_v1(EC2_TASK, CURL), None)
    assert task[1] is resolve_own_container(task, own)


def test_rule_a_fargate_docker_id(tmp_path: Path) -> None:
    """On Fargate the cgroup's ``<task id>-<digits>`` part equals the DockerId."""
    task = containers("v4_task_fargate_awsdocs.json")
    own = read(tmp_path, f"1:name=systemd:/ecs/{FARGATE_TASK}/{FARGATE}\n", None)
    assert task[0] is resolve_own_container(task, own)


def test_rule_a_beats_the_container_name() -> None:
    """A matching id wins over ECS_LOG_CONTEXT_CONTAINER_NAME."""
    task = containers("v2_task_nginx_awsdocs.json")
    own = OwnContainerIds(full_ids=(NGINX,))
    assert task[1] is resolve_own_container(task, own, "~internal~ecs~pause")


def test_rule_b_short_id_from_the_hostname(tmp_path: Path) -> None:
    """(b) In bridge mode the hostname is the start of the DockerId."""
    task = containers("v4_taskWithTags_awsdocs.json")
    own = read(tmp_path, None, None, hostname=CURL_PAUSE[:12])
    assert (
        task[0],
        f"container '~internal~ecs~pause': its DockerId starts with the hostname {CURL_PAUSE[:12]}",
    ) == (
        resolve_own_container(task, own),
        explain_resolution(task, own),
    )


def test_rule_b_ambiguous_short_id_decides_nothing() -> None:
    """Two DockerIds with the same first 12 characters: the short id picks neither."""
    task = [
        *containers("v2_task_nginx_awsdocs.json"),
        Box(NGINX[:12] + OTHER[12:], "sidecar", "NORMAL"),
    ]
    own = OwnContainerIds(short_id=NGINX[:12])
    assert None is resolve_own_container(task, own)


def test_rule_b_beats_the_container_name() -> None:
    """A matching short id wins over ECS_LOG_CONTEXT_CONTAINER_NAME."""
    task = containers("v2_task_nginx_awsdocs.json")
    own = OwnContainerIds(short_id=NGINX[:12])
    assert task[1] is resolve_own_container(task, own, "~internal~ecs~pause")


def test_rule_c_container_name() -> None:
    """(c) With two NORMAL containers and no id, the configured name decides."""
    task = [*containers("v4_task_ec2_awsvpc_awsdocs.json"), Box(OTHER, "envoy", "NORMAL")]
    own = OwnContainerIds(full_ids=(NGINX,))
    assert (task[2], "container 'envoy': named by ECS_LOG_CONTEXT_CONTAINER_NAME") == (
        resolve_own_container(task, own, "envoy"),
        explain_resolution(task, own, "envoy"),
    )


def test_rule_c_beats_the_only_normal_container() -> None:
    """The configured name wins over the only-NORMAL rule."""
    task = containers("v2_task_nginx_awsdocs.json")
    assert task[0] is resolve_own_container(task, OwnContainerIds(), "~internal~ecs~pause")


def test_rule_c_unknown_name_falls_through() -> None:
    """A name no container has decides nothing; the next rule still may."""
    task = containers("v2_task_nginx_awsdocs.json")
    assert task[1] is resolve_own_container(task, OwnContainerIds(), "web")


def test_rule_d_the_only_normal_container() -> None:
    """(d) Nothing known of this process, one NORMAL container: it is the caller."""
    task = containers("v2_taskWithTags_datadog.json")
    assert (task[1], "container 'redis': the task's only container of type NORMAL") == (
        resolve_own_container(task, OwnContainerIds()),
        explain_resolution(task, OwnContainerIds()),
    )


def test_rule_d_when_the_id_matches_nothing() -> None:
    """An id found in no DockerId does not stop the only-NORMAL rule."""
    task = containers("v2_task_nginx_awsdocs.json")
    assert task[1] is resolve_own_container(task, OwnContainerIds(full_ids=(OTHER,)))


def test_rule_e_two_normal_containers_and_nothing_else() -> None:
    """(e) No id, no name and two NORMAL containers: None, with why."""
    task = [*containers("v4_task_ec2_awsvpc_awsdocs.json"), Box(OTHER, "envoy", "NORMAL")]
    own = OwnContainerIds(full_ids=(NGINX,))
    expected = (
        f"unknown: 0 containers with the DockerId {NGINX}; 2 containers of type NORMAL; "
        "set ECS_LOG_CONTEXT_CONTAINER_NAME to name this one "
        "(containers: '~internal~ecs~pause', 'curl', 'envoy')"
    )
    assert (None, expected) == (
        resolve_own_container(task, own),
        explain_resolution(task, own),
    )


def test_rule_e_explains_a_wrong_name() -> None:
    """A configured name that matches nothing is named in the explanation."""
    task = [*containers("v4_task_ec2_awsvpc_awsdocs.json"), Box(OTHER, "envoy", "NORMAL")]
    expected = (
        "unknown: no container id of this process found; "
        "0 containers named 'web' (ECS_LOG_CONTEXT_CONTAINER_NAME); "
        "2 containers of type NORMAL (containers: '~internal~ecs~pause', 'curl', 'envoy')"
    )
    assert expected == explain_resolution(task, OwnContainerIds(), "web")


def test_duplicate_docker_ids_decide_nothing() -> None:
    """Two containers with this process's DockerId: the id rule picks neither."""
    task = [Box(CURL, "a", "NORMAL"), Box(CURL, "b", "NORMAL")]
    assert None is resolve_own_container(task, OwnContainerIds(full_ids=(CURL,)))


def test_no_containers() -> None:
    """An empty container list: None, said plainly."""
    assert (None, "unknown: the task lists no containers") == (
        resolve_own_container([], OwnContainerIds(full_ids=(CURL,))),
        explain_resolution([], OwnContainerIds(full_ids=(CURL,))),
    )


def test_v4_container_without_docker_id() -> None:
    """A v4 container not created yet has no DockerId: skipped by the id rules, never matched."""
    task = containers("v4_task_ec2_awsvpc_awsdocs.json")
    pending = Box(None, "migrate", "NORMAL")
    listed = [*task, pending]
    assert (task[1], None, pending) == (
        resolve_own_container(listed, OwnContainerIds(full_ids=(CURL,), short_id=CURL[:12])),
        resolve_own_container(listed, OwnContainerIds(short_id=OTHER[:12])),
        resolve_own_container(listed, OwnContainerIds(), "migrate"),
    )


def test_label_of_a_container_without_name() -> None:
    """A container without a name is called by its DockerId."""
    task = [Box(CURL, None, "NORMAL")]
    expected = f"the container with DockerId {CURL}: the task's only container of type NORMAL"
    assert expected == explain_resolution(task, OwnContainerIds())


def test_resolution_returns_the_given_object() -> None:
    """The container returned is the very object given, of the caller's own type."""
    task = tuple(containers("v3_task_awsdocs.json"))
    chosen = resolve_own_container(task, OwnContainerIds(full_ids=(NGINX,)))
    assert (True, Box) == (chosen is task[1], type(chosen))


def test_own_container_ids_are_immutable() -> None:
    """``OwnContainerIds`` is a frozen value: equal when equal, never changed in place."""
    own = OwnContainerIds(full_ids=(CURL,))
    with pytest.raises(AttributeError):
        own.short_id = "x"  # type: ignore[misc]
    assert OwnContainerIds(full_ids=(CURL,), short_id="abc") == replace(own, short_id="abc")


# -- the rules at their edges ---------------------------------------------------------------------

SCOPE_ID = SANDBOX  # ids of this section, one per shape, so that the order shows which won
DOCKER_ID = VOLUME


@pytest.mark.parametrize(
    "text",
    [
        f"1:name=systemd:/system.slice/app:web.service/docker/{CURL}\n",
        f"0::/kubepods.slice/pod:1:2/docker-{CURL}.scope\n",
        f"3:memory:/ecs/{EC2_TASK}/{CURL}/sub:cgroup\n",
    ],
    ids=["docker", "systemd-scope", "ecs"],
)
def test_cgroup_path_may_hold_colons(tmp_path: Path, text: str) -> None:
    """Only the first two colons separate a line's fields: the path after them may hold more."""
    own = read(tmp_path, text, None)
    assert (CURL,) == own.full_ids
    assert own.sources[0].startswith(f"{CURL} from {tmp_path / 'cgroup'} line 1 (")


@pytest.mark.parametrize(
    ("own_shape", "text", "expected"),
    [
        (
            "ECS",
            f"1:memory:/a/b/c/d/e/docker/{DOCKER_ID}\n"
            f"2:memory:/a/b/c/d/docker-{SCOPE_ID}.scope\n"
            f"3:memory:/ecs/{EC2_TASK}/{CURL}\n",
            [CURL, SCOPE_ID, DOCKER_ID],
        ),
        (
            "Fargate",
            f"1:memory:/a/b/c/d/e/docker/{DOCKER_ID}\n"
            f"2:memory:/a/b/c/d/docker-{SCOPE_ID}.scope\n"
            f"3:memory:/ecs/{FARGATE_TASK}/{FARGATE}\n",
            [FARGATE, SCOPE_ID, DOCKER_ID],
        ),
    ],
)
def test_cgroup_shapes_rank_before_depth_and_line(
    own_shape: str, text: str, expected: list[str]
) -> None:
    """The ECS shapes beat a systemd scope, which beats a Docker cgroup, even nested deeper.

    Depth (the innermost first) and then the line only order ids of one shape's rank: here
    every less confident id is deeper and on an earlier line, and still comes after.
    """
    assert expected == parse_cgroup(text), own_shape


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            f"1:memory:/ecs/{EC2_TASK}/{CURL}\n2:memory:/x/ecs/{FARGATE_TASK}/{FARGATE}\n",
            [FARGATE, CURL],
        ),
        (
            f"1:memory:/ecs/{FARGATE_TASK}/{FARGATE}\n2:memory:/x/ecs/{EC2_TASK}/{CURL}\n",
            [CURL, FARGATE],
        ),
    ],
    ids=["fargate-deeper", "ecs-deeper"],
)
def test_ecs_and_fargate_shapes_are_equally_confident(text: str, expected: list[str]) -> None:
    """Between the two ECS shapes neither is preferred: the innermost comes first."""
    assert expected == parse_cgroup(text)


def test_mountinfo_mounts_of_one_rank_keep_their_order_of_files() -> None:
    """``hostname`` before ``hosts`` before ``resolv.conf``, even listed in the other order.

    The mounts are listed from the least to the most confident, so that neither the line order
    nor the equal depth of every mount can be what orders them.
    """
    text = (
        f"1 0 0:1 /var/lib/docker/containers/{OTHER}/resolv.conf /etc/resolv.conf rw - xfs a rw\n"
        f"2 0 0:1 /var/lib/docker/containers/{NGINX}/hosts /etc/hosts rw - xfs a rw\n"
        f"3 0 0:1 /var/lib/docker/containers/{CURL}/hostname /etc/hostname rw - xfs a rw\n"
        f"4 0 0:1 /var/lib/docker/containers/{SANDBOX}/hosts /etc/hosts rw - xfs a rw\n"
        f"5 0 0:1 /var/lib/docker/containers/{VOLUME}/hostname /etc/hostname rw - xfs a rw\n"
    )
    assert [CURL, VOLUME, NGINX, SANDBOX, OTHER] == parse_mountinfo(text)


def test_mountinfo_needs_only_the_first_five_fields() -> None:
    """A line that ends at its mount point (the fifth field) is read; one field less is not."""
    root = f"/var/lib/docker/containers/{CURL}/hostname"
    assert ([CURL], []) == (
        parse_mountinfo(f"1 0 0:1 {root} /etc/hostname\n"),
        parse_mountinfo(f"1 0 {root} /etc/hostname\n"),
    )


def test_sources_give_each_cgroup_id_its_line_and_shape(tmp_path: Path) -> None:
    """Every id is noted with the line it was read on and the shape it was read in."""
    text = (
        "12:pids:/\n"
        f"11:memory:/docker/{DOCKER_ID}\n"
        f"10:cpu:/system.slice/docker-{SCOPE_ID}.scope\n"
        f"9:blkio:/ecs/{FARGATE_TASK}/{FARGATE}\n"
        f"8:devices:/ecs/{EC2_TASK}/{CURL}\n"
    )
    own = read(tmp_path, text, None)
    path = tmp_path / "cgroup"
    assert (
        f"{FARGATE} from {path} line 4 (Fargate task cgroup)",
        f"{CURL} from {path} line 5 (ECS task cgroup)",
        f"{SCOPE_ID} from {path} line 3 (systemd docker scope)",
        f"{DOCKER_ID} from {path} line 2 (Docker cgroup)",
        f"{tmp_path / 'y'}: not found",
    ) == own.sources


def test_own_container_ids_are_keyword_only_and_slotted() -> None:
    """``OwnContainerIds`` is built by keyword only, and holds nothing but its three fields."""
    with pytest.raises(TypeError):
        OwnContainerIds((CURL,))  # type: ignore[call-arg]
    own = OwnContainerIds(full_ids=(CURL,))
    assert not hasattr(own, "__dict__")
    assert 1 == len({own, OwnContainerIds(full_ids=(CURL,))})


def test_why_a_path_is_unreadable(tmp_path: Path) -> None:
    """The note gives the system's reason, or the error's name when the error has none."""
    mountinfo = str(tmp_path / "y")
    directory = read_own_container_ids(
        cgroup_path=str(tmp_path), mountinfo_path=mountinfo, hostname=""
    )
    nul = read_own_container_ids(cgroup_path="/proc/x\x00", mountinfo_path=mountinfo, hostname="")
    assert (f"{tmp_path}: unreadable (Is a directory)", "/proc/x\x00: unreadable (ValueError)") == (
        directory.sources[0],
        nul.sources[0],
    )


def test_a_last_line_without_a_newline_is_read(tmp_path: Path) -> None:
    """A file shorter than the limit is read whole, its last line too, newline or not."""
    own = read(tmp_path, f"2:cpu:/\n1:memory:/docker/{CURL}", None)
    assert (CURL,) == own.full_ids


READ_LIMIT = 256 * 1024
"""The documented bytes read of each file: whatever comes after is not looked at."""


def test_the_read_limit_is_256_kib(tmp_path: Path) -> None:
    """A line ending exactly at byte 262,144 is read; a whole line just after it is not."""
    line = f"1:memory:/docker/{CURL}\n"
    filler = "x" * (READ_LIMIT - len(line) - 1) + "\n"
    at_limit = read(tmp_path, filler + line, None)
    after = read(tmp_path, "x" * (READ_LIMIT - 1) + "\n" + line, None)
    assert ((CURL,), ()) == (at_limit.full_ids, after.full_ids)


def test_a_single_line_past_the_limit_is_dropped_whole(tmp_path: Path) -> None:
    """No newline in the first 256 KiB: that one line is cut short, so none of it is read."""
    own = read(tmp_path, f"1:memory:/docker/{CURL}/" + "x" * READ_LIMIT, None)
    assert ((), f"{tmp_path / 'cgroup'}: no container id") == (own.full_ids, own.sources[0])
