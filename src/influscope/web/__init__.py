"""The web faces: REST API, dashboard and the tracking redirect, served together by granian."""
