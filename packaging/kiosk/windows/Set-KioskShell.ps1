<#
.SYNOPSIS
  Make clinic-kiosk the shell of one account (Shell Launcher v2), restarted whatever its exit code.
  Other accounts keep Explorer. Run as an administrator after enabling Client-EmbeddedShellLauncher.
  See packaging/kiosk/README.md.
#>
param(
    [Parameter(Mandatory = $true)] [string] $Account,
    [Parameter(Mandatory = $true)] [string] $Command
)
$ErrorActionPreference = 'Stop'
$namespace = 'root\standardcimv2\embedded'
$launcher = [wmiclass]"\\localhost\$($namespace):WESL_UserSetting"
$sid = (New-Object System.Security.Principal.NTAccount($Account)).Translate(
    [System.Security.Principal.SecurityIdentifier]).Value

# Exit-code actions: 0 restart the shell, 1 restart the device, 2 shut down, 3 do nothing.
$restartShell = 0
$launcher.SetDefaultShell('explorer.exe', $restartShell)
$launcher.SetCustomShell($sid, $Command, ($null), ($null), $restartShell)
$launcher.SetEnabled($true)
Write-Host "clinic-kiosk is now the shell of $Account; other accounts keep Explorer."
