//! The catalog of built-in checks: stable IDs, severity, title, description, resolution, references.
//!
//! IDs never change meaning; a retired check keeps its ID unused. `TRAWL-DS-*` are Dockerfile checks,
//! `TRAWL-KSV-*` Kubernetes workload checks, `TRAWL-IMG-*` image-config checks.

use trawl_types::{CheckStatus, ConfigFileType, Misconfiguration, Severity};

/// A built-in check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Check {
    /// Stable ID.
    pub id: &'static str,
    /// The kind of file it checks.
    pub file_type: ConfigFileType,
    /// Severity of a failure.
    pub severity: Severity,
    /// Short title.
    pub title: &'static str,
    /// What is wrong and why it matters.
    pub description: &'static str,
    /// What to do.
    pub resolution: &'static str,
    /// Where to read more.
    pub references: &'static [&'static str],
}

/// A failure of `check` at `path` (and lines, when known).
pub(crate) fn failure(
    check: &Check,
    path: &str,
    message: String,
    lines: Option<(usize, usize)>,
) -> Misconfiguration {
    Misconfiguration {
        id: check.id.to_owned(),
        file_type: check.file_type,
        title: check.title.to_owned(),
        description: check.description.to_owned(),
        resolution: check.resolution.to_owned(),
        severity: check.severity,
        status: CheckStatus::Fail,
        message,
        path: path.to_owned(),
        start_line: lines.map(|l| l.0),
        end_line: lines.map(|l| l.1),
        references: check.references.iter().map(|r| (*r).to_owned()).collect(),
        layer: None,
        suppressed: None,
    }
}

const DOCKER_BP: &str = "https://docs.docker.com/build/building/best-practices/";
const DOCKERFILE_REF: &str = "https://docs.docker.com/reference/dockerfile/";
const K8S_SC: &str = "https://kubernetes.io/docs/tasks/configure-pod-container/security-context/";
const K8S_PSS: &str = "https://kubernetes.io/docs/concepts/security/pod-security-standards/";
const K8S_RES: &str =
    "https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/";
const K8S_IMAGES: &str = "https://kubernetes.io/docs/concepts/containers/images/";
const OCI_CONFIG: &str = "https://github.com/opencontainers/image-spec/blob/main/config.md";

macro_rules! check {
    ($name:ident, $id:literal, $ft:ident, $sev:ident, $title:literal, $desc:literal, $res:literal, [$($r:expr),*]) => {
        #[doc = $title]
        pub const $name: Check = Check {
            id: $id,
            file_type: ConfigFileType::$ft,
            severity: Severity::$sev,
            title: $title,
            description: $desc,
            resolution: $res,
            references: &[$($r),*],
        };
    };
}

check!(
    DS_NO_USER,
    "TRAWL-DS-001",
    Dockerfile,
    High,
    "Image runs as root: no USER",
    "The final stage never sets USER, so the container runs as the base image's user, which is root for almost every base image. A process escaping its container as root has far more to work with.",
    "Add a non-root user and switch to it at the end of the final stage: `RUN useradd -r app` (or `adduser -S app`) then `USER app`.",
    [DOCKER_BP, DOCKERFILE_REF]
);
check!(
    DS_ROOT_USER,
    "TRAWL-DS-002",
    Dockerfile,
    High,
    "Image runs as root: last USER is root",
    "The last USER instruction of the final stage is root (or UID 0), so the container runs as root.",
    "End the final stage with `USER` set to a non-root user or UID.",
    [DOCKER_BP]
);
check!(
    DS_LATEST_TAG,
    "TRAWL-DS-003",
    Dockerfile,
    Medium,
    "FROM uses the `latest` tag or no tag",
    "A base image without a tag (which means `latest`) or with `latest` changes without notice: builds are not reproducible and can pick up a broken or vulnerable base.",
    "Pin the base image to a version tag, ideally also to its digest: `FROM debian:12.8-slim@sha256:...`.",
    [DOCKER_BP]
);
check!(
    DS_ADD_URL,
    "TRAWL-DS-004",
    Dockerfile,
    Medium,
    "ADD downloads a URL without a checksum",
    "ADD with a URL fetches remote content at build time without verifying it; a compromised or changed server changes the image.",
    "Use `ADD --checksum=sha256:...` (Dockerfile syntax 1.6+), or `RUN curl -fsSLo` followed by a checksum check.",
    [DOCKERFILE_REF, DOCKER_BP]
);
check!(
    DS_ADD_LOCAL,
    "TRAWL-DS-005",
    Dockerfile,
    Low,
    "ADD used where COPY suffices",
    "ADD also extracts archives and fetches URLs; for plain local files that extra behaviour only surprises.",
    "Use COPY for local files and directories.",
    [DOCKER_BP]
);
check!(
    DS_SECRET_ENV,
    "TRAWL-DS-006",
    Dockerfile,
    Critical,
    "Secret in ENV or ARG",
    "A value given to a secret-looking ENV or ARG (password, token, key...) is stored in the image config and its history, readable by anyone who can pull the image.",
    "Pass secrets at build time with `RUN --mount=type=secret`, and at run time through the orchestrator's secrets; never bake them into ENV or ARG defaults.",
    ["https://docs.docker.com/build/building/secrets/"]
);
check!(
    DS_APT_RECOMMENDS,
    "TRAWL-DS-007",
    Dockerfile,
    Low,
    "apt-get install without --no-install-recommends",
    "Recommended packages are installed too: a larger image with more packages to patch.",
    "Use `apt-get install -y --no-install-recommends PACKAGES`.",
    [DOCKER_BP]
);
check!(
    DS_APT_CLEAN,
    "TRAWL-DS-008",
    Dockerfile,
    Low,
    "apt-get lists not removed",
    "The package lists downloaded by `apt-get update` stay in the layer: tens of megabytes that also go stale.",
    "End the same RUN with `&& rm -rf /var/lib/apt/lists/*`.",
    [DOCKER_BP]
);
check!(
    DS_APT_PIN,
    "TRAWL-DS-009",
    Dockerfile,
    Low,
    "apt-get install without version pins",
    "Without `package=version`, each build installs whatever version is current: builds are not reproducible.",
    "Pin versions: `apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8`.",
    [DOCKER_BP]
);
check!(
    DS_APK_CACHE,
    "TRAWL-DS-010",
    Dockerfile,
    Low,
    "apk add without --no-cache",
    "The apk index cache stays in the layer.",
    "Use `apk add --no-cache PACKAGES`.",
    ["https://wiki.alpinelinux.org/wiki/Alpine_Package_Keeper"]
);
check!(
    DS_APK_PIN,
    "TRAWL-DS-011",
    Dockerfile,
    Low,
    "apk add without version pins",
    "Without `package=version` (or `~version`), each build installs whatever version is current.",
    "Pin versions: `apk add --no-cache curl=8.9.1-r2`.",
    ["https://wiki.alpinelinux.org/wiki/Alpine_Package_Keeper"]
);
check!(
    DS_YUM_CLEAN,
    "TRAWL-DS-012",
    Dockerfile,
    Low,
    "yum/dnf install without clean all",
    "The package manager's metadata and cache stay in the layer.",
    "End the same RUN with `&& yum clean all` (or `dnf clean all`).",
    [DOCKER_BP]
);
check!(
    DS_PIP_CACHE,
    "TRAWL-DS-013",
    Dockerfile,
    Low,
    "pip install without --no-cache-dir",
    "pip's download cache stays in the layer.",
    "Use `pip install --no-cache-dir ...`.",
    ["https://pip.pypa.io/en/stable/topics/caching/"]
);
check!(
    DS_PIP_PIN,
    "TRAWL-DS-014",
    Dockerfile,
    Low,
    "pip install without version pins",
    "Packages installed without `==version` (or a requirements/constraints file) change from build to build.",
    "Pin versions (`pip install requests==2.32.3`) or install from a locked requirements file.",
    ["https://pip.pypa.io/en/stable/topics/repeatable-installs/"]
);
check!(
    DS_SUDO,
    "TRAWL-DS-015",
    Dockerfile,
    Medium,
    "RUN uses sudo",
    "sudo in a Dockerfile means the build switches users back and forth; it also leaves sudo in the image, with its unpredictable TTY and signal behaviour.",
    "Run the commands that need root before switching USER; drop sudo from the image.",
    [DOCKER_BP]
);
check!(
    DS_CURL_SH,
    "TRAWL-DS-016",
    Dockerfile,
    High,
    "Download piped into a shell",
    "`curl ... | sh` runs whatever the server sends, unverified, as the build user.",
    "Download to a file, verify its checksum or signature, then run it.",
    [DOCKER_BP]
);
check!(
    DS_SSH_PORT,
    "TRAWL-DS-017",
    Dockerfile,
    Medium,
    "Port 22 exposed",
    "Exposing SSH suggests an SSH server in the container: another way in, with keys to manage.",
    "Remove `EXPOSE 22`; use `docker exec` / `kubectl exec` for access.",
    [DOCKERFILE_REF]
);
check!(
    DS_MAINTAINER,
    "TRAWL-DS-018",
    Dockerfile,
    Low,
    "MAINTAINER is deprecated",
    "MAINTAINER is deprecated in favour of labels.",
    "Use `LABEL org.opencontainers.image.authors=\"...\"`.",
    [DOCKERFILE_REF]
);
check!(
    DS_NO_HEALTHCHECK,
    "TRAWL-DS-019",
    Dockerfile,
    Low,
    "No HEALTHCHECK",
    "Without a HEALTHCHECK, Docker and Swarm cannot tell a hung container from a healthy one.",
    "Add `HEALTHCHECK CMD ...` to the final stage (Kubernetes ignores it: use probes there).",
    [DOCKERFILE_REF]
);

check!(
    KSV_PRIVILEGED,
    "TRAWL-KSV-001",
    Kubernetes,
    High,
    "Privileged container",
    "A privileged container has every capability and access to the host's devices: it is root on the node.",
    "Set `securityContext.privileged: false` (or remove it).",
    [K8S_SC, K8S_PSS]
);
check!(
    KSV_PRIV_ESC,
    "TRAWL-KSV-002",
    Kubernetes,
    Medium,
    "Privilege escalation allowed",
    "Without `allowPrivilegeEscalation: false`, a process can gain more privileges than its parent (setuid binaries, file capabilities).",
    "Set `securityContext.allowPrivilegeEscalation: false` on every container.",
    [K8S_SC, K8S_PSS]
);
check!(
    KSV_HOST_PATH,
    "TRAWL-KSV-003",
    Kubernetes,
    Medium,
    "hostPath volume",
    "A hostPath volume mounts a directory of the node into the pod; writing to it, or reading secrets from it, reaches beyond the container.",
    "Use persistentVolumeClaims, configMaps, secrets or emptyDir instead of hostPath.",
    [
        "https://kubernetes.io/docs/concepts/storage/volumes/#hostpath",
        K8S_PSS
    ]
);
check!(
    KSV_HOST_NETWORK,
    "TRAWL-KSV-004",
    Kubernetes,
    High,
    "Host network namespace shared",
    "With `hostNetwork: true` the pod sees and binds the node's interfaces, bypassing network policies.",
    "Remove `hostNetwork` or set it to false.",
    [K8S_PSS]
);
check!(
    KSV_HOST_PID,
    "TRAWL-KSV-005",
    Kubernetes,
    High,
    "Host PID namespace shared",
    "With `hostPID: true` the pod sees every process of the node and can signal or trace them.",
    "Remove `hostPID` or set it to false.",
    [K8S_PSS]
);
check!(
    KSV_HOST_IPC,
    "TRAWL-KSV-006",
    Kubernetes,
    High,
    "Host IPC namespace shared",
    "With `hostIPC: true` the pod shares the node's shared memory and semaphores.",
    "Remove `hostIPC` or set it to false.",
    [K8S_PSS]
);
check!(
    KSV_RUN_AS_NON_ROOT,
    "TRAWL-KSV-007",
    Kubernetes,
    Medium,
    "Container may run as root",
    "Neither the container nor the pod sets `runAsNonRoot: true`, so the image's user (often root) is used.",
    "Set `securityContext.runAsNonRoot: true` (pod or container) and a non-zero `runAsUser`.",
    [K8S_SC, K8S_PSS]
);
check!(
    KSV_RUN_AS_ROOT,
    "TRAWL-KSV-008",
    Kubernetes,
    High,
    "Container runs as UID 0",
    "`runAsUser: 0` runs the container as root.",
    "Set `runAsUser` to a non-zero UID.",
    [K8S_SC, K8S_PSS]
);
check!(
    KSV_CAP_ADD,
    "TRAWL-KSV-009",
    Kubernetes,
    High,
    "Dangerous capability added",
    "Capabilities such as SYS_ADMIN, NET_ADMIN, SYS_PTRACE, SYS_MODULE or ALL give a container near-root power over the node.",
    "Remove the capability from `securityContext.capabilities.add`; add only narrow ones such as NET_BIND_SERVICE.",
    [K8S_SC, K8S_PSS]
);
check!(
    KSV_CAP_DROP,
    "TRAWL-KSV-010",
    Kubernetes,
    Low,
    "Capabilities not dropped",
    "The container keeps the runtime's default capabilities; most applications need none of them.",
    "Set `securityContext.capabilities.drop: [ALL]` and add back only what is needed.",
    [K8S_SC, K8S_PSS]
);
check!(
    KSV_RO_ROOT,
    "TRAWL-KSV-011",
    Kubernetes,
    Low,
    "Root filesystem is writable",
    "A writable root filesystem lets an attacker drop tools and persist changes inside the container.",
    "Set `securityContext.readOnlyRootFilesystem: true` and mount emptyDir volumes where writes are needed.",
    [K8S_SC]
);
check!(
    KSV_CPU_LIMIT,
    "TRAWL-KSV-012",
    Kubernetes,
    Low,
    "CPU limit not set",
    "Without a CPU limit one container can starve the others on its node.",
    "Set `resources.limits.cpu`.",
    [K8S_RES]
);
check!(
    KSV_MEM_LIMIT,
    "TRAWL-KSV-013",
    Kubernetes,
    Low,
    "Memory limit not set",
    "Without a memory limit one container can exhaust its node's memory.",
    "Set `resources.limits.memory`.",
    [K8S_RES]
);
check!(
    KSV_CPU_REQUEST,
    "TRAWL-KSV-014",
    Kubernetes,
    Low,
    "CPU request not set",
    "Without a CPU request the scheduler cannot place the pod sensibly.",
    "Set `resources.requests.cpu`.",
    [K8S_RES]
);
check!(
    KSV_MEM_REQUEST,
    "TRAWL-KSV-015",
    Kubernetes,
    Low,
    "Memory request not set",
    "Without a memory request the scheduler cannot place the pod sensibly, and it is evicted first.",
    "Set `resources.requests.memory`.",
    [K8S_RES]
);
check!(
    KSV_LATEST_IMAGE,
    "TRAWL-KSV-016",
    Kubernetes,
    Medium,
    "Image uses the `latest` tag or no tag",
    "An image without a tag or with `latest` changes without notice, and nodes may run different versions of it.",
    "Use a version tag, ideally with a digest: `image: registry/app:1.4.2@sha256:...`.",
    [K8S_IMAGES]
);
check!(
    KSV_HOST_PORT,
    "TRAWL-KSV-017",
    Kubernetes,
    Medium,
    "hostPort used",
    "A hostPort binds the node's port: it limits scheduling and exposes the container on the node's address.",
    "Remove `hostPort`; expose the container with a Service.",
    [K8S_PSS]
);

check!(
    IMG_ROOT,
    "TRAWL-IMG-001",
    ImageConfig,
    High,
    "Image runs as root",
    "The image config sets no user (or root / UID 0): containers run as root unless the runtime overrides it.",
    "Set a non-root USER in the Dockerfile's final stage.",
    [OCI_CONFIG, DOCKER_BP]
);
check!(
    IMG_SSH,
    "TRAWL-IMG-002",
    ImageConfig,
    Medium,
    "SSH port exposed",
    "The image config exposes port 22: an SSH server in a container is another way in.",
    "Remove `EXPOSE 22` from the Dockerfile.",
    [OCI_CONFIG]
);
check!(
    IMG_NO_HEALTHCHECK,
    "TRAWL-IMG-003",
    ImageConfig,
    Low,
    "No HEALTHCHECK",
    "The image config has no HEALTHCHECK: Docker cannot tell a hung container from a healthy one.",
    "Add a HEALTHCHECK to the Dockerfile's final stage.",
    [DOCKERFILE_REF]
);

/// Every built-in check, in ID order.
pub const ALL: &[&Check] = &[
    &DS_NO_USER,
    &DS_ROOT_USER,
    &DS_LATEST_TAG,
    &DS_ADD_URL,
    &DS_ADD_LOCAL,
    &DS_SECRET_ENV,
    &DS_APT_RECOMMENDS,
    &DS_APT_CLEAN,
    &DS_APT_PIN,
    &DS_APK_CACHE,
    &DS_APK_PIN,
    &DS_YUM_CLEAN,
    &DS_PIP_CACHE,
    &DS_PIP_PIN,
    &DS_SUDO,
    &DS_CURL_SH,
    &DS_SSH_PORT,
    &DS_MAINTAINER,
    &DS_NO_HEALTHCHECK,
    &KSV_PRIVILEGED,
    &KSV_PRIV_ESC,
    &KSV_HOST_PATH,
    &KSV_HOST_NETWORK,
    &KSV_HOST_PID,
    &KSV_HOST_IPC,
    &KSV_RUN_AS_NON_ROOT,
    &KSV_RUN_AS_ROOT,
    &KSV_CAP_ADD,
    &KSV_CAP_DROP,
    &KSV_RO_ROOT,
    &KSV_CPU_LIMIT,
    &KSV_MEM_LIMIT,
    &KSV_CPU_REQUEST,
    &KSV_MEM_REQUEST,
    &KSV_LATEST_IMAGE,
    &KSV_HOST_PORT,
    &IMG_ROOT,
    &IMG_SSH,
    &IMG_NO_HEALTHCHECK,
];

#[cfg(test)]
mod tests {
    use super::{ALL, ConfigFileType};
    use std::collections::HashSet;

    #[test]
    fn ids_unique_and_complete() {
        let mut seen = HashSet::new();
        for c in ALL {
            assert!(seen.insert(c.id), "{} twice", c.id);
            assert!(
                !c.description.is_empty() && !c.resolution.is_empty() && !c.references.is_empty(),
                "{}",
                c.id
            );
            let prefix = match c.file_type {
                ConfigFileType::Dockerfile => "TRAWL-DS-",
                ConfigFileType::Kubernetes => "TRAWL-KSV-",
                ConfigFileType::ImageConfig => "TRAWL-IMG-",
            };
            assert!(
                c.id.starts_with(prefix) && c.id.len() == prefix.len() + 3,
                "{}",
                c.id
            );
        }
    }
}
