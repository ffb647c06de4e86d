# Shared by the scripts: where the provisioned Python lives.
# Sourced, not run. Two modes:
#   venv mode:    a Python 3.14 on the host; the venv is .venv/
#   devroot mode: a Debian testing root under .devroot/ holding Python 3.14 and the venv (/opt/venv)
# WW_GO_HA picks the Home Assistant release the environment holds, each in a venv of its own:
#   current (default) requirements_test.txt    .venv/         /opt/venv
#   floor             requirements_floor.txt   .venv-floor/   /opt/venv-floor   (oldest supported)
#   newest            requirements_newest.txt  .venv-newest/  /opt/venv-newest  (newest on PyPI)
CHECKOUT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEVROOT="$CHECKOUT/.devroot"
export WW_GO_HA=${WW_GO_HA:-current}
case "$WW_GO_HA" in
  current) REQUIREMENTS=requirements_test.txt suffix= ;;
  floor | newest) REQUIREMENTS=requirements_$WW_GO_HA.txt suffix=-$WW_GO_HA ;;
  *)
    echo "WW_GO_HA=$WW_GO_HA: expected current, floor or newest." >&2
    exit 2
    ;;
esac
VENV_HOST="$CHECKOUT/.venv$suffix"
VENV_IN_ROOT=/opt/venv$suffix
STAMP_FILE_NAME=.ww_go_stamp$suffix
unset suffix
STAMP_INPUTS=("$CHECKOUT/$REQUIREMENTS" "$CHECKOUT/scripts/setup" "$CHECKOUT/scripts/_env.sh")
# requirements_newest.txt goes over the current pins.
if [ "$WW_GO_HA" = newest ]; then
  STAMP_INPUTS+=("$CHECKOUT/requirements_test.txt")
fi

ww_go_mode() {
  if [ -x "$VENV_HOST/bin/python" ]; then
    echo venv
  elif [ -f "$DEVROOT$VENV_IN_ROOT/pyvenv.cfg" ]; then
    echo devroot
  else
    echo none
  fi
}

ww_go_stamp() {
  cat "${STAMP_INPUTS[@]}" | sha256sum | cut -d' ' -f1
}

# Runs "$@" in the provisioned environment with the checkout as working directory.
ww_go_exec() {
  case "$(ww_go_mode)" in
    venv)
      cd "$CHECKOUT" || exit 1
      PATH="$VENV_HOST/bin:$PATH" VIRTUAL_ENV="$VENV_HOST" exec "$@"
      ;;
    devroot)
      # Mounts live in a private mount namespace: nothing stays mounted after the command exits.
      exec unshare -m --propagation private -- /bin/bash -c '
        set -e
        root=$1 checkout=$2 venv=$3; shift 3
        mount --rbind /dev "$root/dev"
        mount -t proc proc "$root/proc"
        mount --rbind /sys "$root/sys"
        mkdir -p "$root$checkout"
        mount --bind "$checkout" "$root$checkout"
        cp /etc/resolv.conf /etc/hosts "$root/etc/" 2>/dev/null || true
        exec chroot "$root" /usr/bin/env -u PYTHONPATH -u PYTHONHOME -u PYENV_VERSION -u PIP_FIND_LINKS \
          PATH="$venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
          HOME=/root VIRTUAL_ENV="$venv" LANG=C.UTF-8 WW_GO_HA="$WW_GO_HA" \
          /bin/bash -c "cd \"\$0\" && exec \"\$@\"" "$checkout" "$@"
      ' ww-go-run "$DEVROOT" "$CHECKOUT" "$VENV_IN_ROOT" "$@"
      ;;
    *)
      echo "The environment is not provisioned: run scripts/setup first." >&2
      exit 1
      ;;
  esac
}
