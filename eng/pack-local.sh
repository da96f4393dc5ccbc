#!/usr/bin/env bash
# Packs every package of src/ (Structured, Structured.Loop, .Nursery, .Channels, .Testing, .Hosting, .AspNetCore,
# .OpenTelemetry) into a local folder feed and registers that folder as a NuGet source, so that
# `dotnet add package Structured` works before the packages are published. Run it again after pulling: it repacks and drops the stale copies from NuGet's cache.
#
#   eng/pack-local.sh                 # feed ~/.structured-feed, registered in your user-wide NuGet.Config
#   eng/pack-local.sh FOLDER          # another feed folder
#   NUGET_CONFIG_FILE=path/NuGet.config eng/pack-local.sh FOLDER   # register in that file instead (what CI does)
#
# Undo: dotnet nuget remove source structured-local
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
feed="${1:-$HOME/.structured-feed}"
mkdir -p "$feed"
feed="$(cd "$feed" && pwd)"
config_args=()
[ -n "${NUGET_CONFIG_FILE:-}" ] && config_args=(--configfile "$NUGET_CONFIG_FILE")
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

cd "$repo"
version="$(dotnet msbuild src/Structured/Structured.csproj -getProperty:Version -nologo)"
echo "pack-local: packing Structured $version into $feed"
# One build of all the packages: a solution of src/ only (the repository's solution also holds tests and samples).
work="$(mktemp -d -t structured-pack-local.XXXXXX)"
trap 'rm -rf "$work"' EXIT
dotnet new sln -n packages -o "$work" >/dev/null
find src -name '*.csproj' -print0 | sort -z | xargs -0 dotnet sln "$work/packages.slnx" add >/dev/null
dotnet pack "$work/packages.slnx" -c Release --artifacts-path artifacts/pack -o "$feed" \
  -p:ContinuousIntegrationBuild=true -nologo -v:q -clp:NoSummary

# A repack of the same version must not be shadowed by the copy NuGet cached from the previous one.
cache="$(dotnet nuget locals global-packages --list | sed -E 's/^global-packages: //')"
for pkg in "$feed"/*."$version".nupkg; do
  id="$(basename "$pkg" ".$version.nupkg" | tr '[:upper:]' '[:lower:]')"
  [ -d "$cache/$id/$version" ] && rm -rf "${cache:?}/$id/$version"
done

if dotnet nuget list source "${config_args[@]}" | grep -qE '^ *[0-9]+\. +structured-local '; then
  dotnet nuget update source structured-local --source "$feed" "${config_args[@]}" >/dev/null
else
  dotnet nuget add source "$feed" --name structured-local "${config_args[@]}" >/dev/null
fi
echo "pack-local: registered $feed as the NuGet source 'structured-local'${NUGET_CONFIG_FILE:+ in $NUGET_CONFIG_FILE}"
echo "pack-local: now, in your project: dotnet add package Structured   (and Structured.Testing, Structured.Hosting, Structured.AspNetCore, Structured.OpenTelemetry)"
