; Inno Setup 6 script: a per-user installer for the PyInstaller bundle in dist\campaign-desk.
;
;   iscc /DAppVersion=0.1.0 installer\windows.iss
;
; Installs into %LOCALAPPDATA%\Programs\Campaign Desk without admin rights, adds a Start-menu
; entry (and optionally a desktop one) and an uninstaller listed under Settings > Apps.
; Uninstalling removes the program only: the user's data in %APPDATA%\Campaign Desk and the
; credentials in Windows Credential Manager stay, so a reinstall picks up where the user left off.

#define AppName "Campaign Desk"
#define AppExe "Campaign Desk.exe"
#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#ifndef BundleDir
  #define BundleDir "..\dist\campaign-desk"
#endif
#ifndef OutputDir
  #define OutputDir "..\dist\installer"
#endif

[Setup]
; Never change AppId: Windows uses it to recognise upgrades and the uninstaller.
AppId={{CBB998BC-AF64-449B-9D66-5DB78C00B2C9}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Campaign Desk
AppPublisherURL=https://campaign-desk.app
VersionInfoVersion={#AppVersion}
; Per-user: no UAC prompt; {autopf} resolves to %LOCALAPPDATA%\Programs
PrivilegesRequired=lowest
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
DisableDirPage=auto
UsePreviousAppDir=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir={#OutputDir}
OutputBaseFilename=CampaignDesk-{#AppVersion}-windows-x64-setup
SetupIconFile=..\resources\icons\app.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
WizardStyle=modern
Compression=lzma2/max
SolidCompression=yes
; Close a running Campaign Desk before replacing its files
CloseApplications=yes
RestartApplications=no

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; An upgrade replaces the bundled libraries wholesale, so no stale module from an older version is loaded.
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; Comment: "Compose, schedule and measure social posts"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
