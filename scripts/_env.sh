# Shared by the scripts: where the provisioned Python lives.
# Sourced, not run. Two modes:
#   venv mode:    a Python 3.14 on the host; the venv is .venv/
#   devroot mode: a Debian testing root under .devroot/ holding Python 3.14 and the venv (/opt/venv)
CHECKOUT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEVROOT="$CHECKOUT/.devroot"
VENV_HOST="$CHECKOUT/.venv"
VENV_IN_ROOT=/opt/venv
STAMP_INPUTS=("$CHECKOUT/requirements_test.txt" "$CHECKOUT/scripts/setup" "$CHECKOUT/scripts/_env.sh")

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
        root=$1 checkout=$2; shift 2
        mount --rbind /dev "$root/dev"
        mount -t proc proc "$root/proc"
        mount --rbind /sys "$root/sys"
        mkdir -p "$root$checkout"
        mount --bind "$checkout" "$root$checkout"
        cp /etc/resolv.conf /etc/hosts "$root/etc/" 2>/dev/null || true
        exec chroot "$root" /usr/bin/env -u PYTHONPATH -u PYTHONHOME -u PYENV_VERSION -u PIP_FIND_LINKS \
          PATH=/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
          HOME=/root VIRTUAL_ENV=/opt/venv LANG=C.UTF-8 \
          /bin/bash -c "cd \"\$0\" && exec \"\$@\"" "$checkout" "$@"
      ' ww-go-run "$DEVROOT" "$CHECKOUT" "$@"
      ;;
    *)
      echo "The environment is not provisioned: run scripts/setup first." >&2
      exit 1
      ;;
  esac
}
