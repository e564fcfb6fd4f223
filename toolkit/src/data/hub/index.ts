export { downloadNamed, hubSettings, DownloadError, type DownloadOptions, type DownloadProgress, type DownloadedSet, type HubSettings } from './download.js';
export { loadDownloadManifest, DEFAULT_DOWNLOAD_MANIFEST, type DownloadManifest, type DownloadSpec, type DownloadStep } from './manifest.js';
