# shellcheck shell=bash
# Setting up a cluster for scripts/slurm-cluster.sh (which sources this and defines DIR, SLURM_CONF, the ports, REST,
# as_root, say and fail): the Debian packages, then the folder with slurm.conf, gres.conf, fake GPUs and the job folder.

install_packages() {
    local missing=() package packages=(slurmctld slurmd slurm-client munge)
    [ "$REST" = 1 ] && packages+=(slurmrestd slurm-wlm-jwt-plugin)
    for package in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'ok installed' || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    say "installing ${missing[*]}"
    # The packages try to start their services; a policy-rc.d that exits 101 stops that (we start them by hand).
    local own_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' | as_root tee /usr/sbin/policy-rc.d >/dev/null && as_root chmod 755 /usr/sbin/policy-rc.d
        own_policy=1
    fi
    apt_install() {
        as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120 install -y -q \
            --no-install-recommends "${missing[@]}"
    }
    # The package lists may be missing or stale on a fresh machine: refresh them only if needed.
    local rc=0
    apt_install || { as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120 update -q && apt_install; } || rc=1
    [ $own_policy -eq 1 ] && as_root rm -f /usr/sbin/policy-rc.d
    [ $rc -eq 0 ] || fail "apt-get install ${missing[*]} failed"
}

write_config() {
    as_root install -d -m 755 "$DIR" "$DIR/etc" "$DIR/dev" "$DIR/state" "$DIR/spool" "$DIR/log" "$DIR/run"
    # The job folder: the portal writes scripts there, the tenant's job (running as another user) writes its output.
    as_root install -d -m 1777 "$DIR/jobs"
    local i
    for i in 0 1 2 3 4 5 6 7; do
        # Fake GPUs: the same character device as /dev/null; Slurm only needs a device file per GPU.
        [ -c "$DIR/dev/nvidia$i" ] || as_root mknod -m 666 "$DIR/dev/nvidia$i" c 1 3
    done
    local last_port=$((SLURMD_PORT + ${#NODES[@]} - 1))
    as_root tee "$SLURM_CONF" >/dev/null <<EOF
# Written by scripts/slurm-cluster.sh: rewritten at every start.
ClusterName=portal
SlurmctldHost=localhost
SlurmctldPort=$CTLD_PORT
SlurmUser=root
AuthType=auth/munge
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool/%n
SlurmdPidFile=$DIR/run/slurmd-%n.pid
SlurmctldPidFile=$DIR/run/slurmctld.pid
SlurmdLogFile=$DIR/log/slurmd-%n.log
SlurmctldLogFile=$DIR/log/slurmctld.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
GresTypes=gpu
# Lets this small machine claim 16 CPUs per node.
SlurmdParameters=config_overrides
AccountingStorageType=accounting_storage/none
MpiDefault=none
MailProg=/bin/true
# Quick scheduling for a small test cluster: backfill every second, the main scheduler without batching delays.
SchedulerParameters=bf_interval=1,sched_min_interval=0,batch_sched_delay=0
# A cancelled job gets SIGKILL 5 s after SIGTERM (default 30 s), so a reservation can be deleted soon after.
KillWait=5
ReturnToService=2
NodeName=gpu[01-04] NodeHostname=localhost NodeAddr=127.0.0.1 Port=[$SLURMD_PORT-$last_port] CPUs=16 RealMemory=64000 Gres=gpu:8
PartitionName=gpu Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
    if [ "$REST" = 1 ]; then
        # slurmrestd passes each caller's JWT on to slurmctld, which checks it with this key.
        [ -s "$DIR/etc/jwt.key" ] || as_root dd if=/dev/urandom of="$DIR/etc/jwt.key" bs=32 count=1 status=none
        as_root chmod 600 "$DIR/etc/jwt.key"
        printf 'AuthAltTypes=auth/jwt\nAuthAltParameters=jwt_key=%s\n' "$DIR/etc/jwt.key" | as_root tee -a "$SLURM_CONF" >/dev/null
    fi
    as_root tee "$DIR/etc/gres.conf" >/dev/null <<EOF
AutoDetect=off
NodeName=gpu[01-04] Name=gpu File=$DIR/dev/nvidia[0-7]
EOF
    {
        printf 'SLURM_CONF=%s\nPORTAL_SLURM_JOBS=%s\n' "$SLURM_CONF" "$DIR/jobs"
        [ "$REST" = 1 ] && printf 'PORTAL_SLURM_REST_URL=http://127.0.0.1:%s\n' "$REST_PORT"
    } | as_root tee "$DIR/env" >/dev/null
}
