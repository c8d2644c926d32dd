# Image for the credentialed CI jobs (templates/pulumi-preview.yml): the Pulumi CLI with Node.js, plus
# gke-gcloud-auth-plugin, which the kubeconfigs of Runway clusters execute (src/gcp/kubeconfig.ts).
FROM pulumi/pulumi-nodejs:3.200.0
RUN apt-get update \
 && apt-get install -y --no-install-recommends apt-transport-https ca-certificates gnupg curl \
 && curl -fsSL https://packages.cloud.google.com/apt/doc/apt-key.gpg | gpg --dearmor -o /usr/share/keyrings/cloud.google.gpg \
 && echo "deb [signed-by=/usr/share/keyrings/cloud.google.gpg] https://packages.cloud.google.com/apt cloud-sdk main" > /etc/apt/sources.list.d/google-cloud-sdk.list \
 && apt-get update \
 && apt-get install -y --no-install-recommends google-cloud-cli-gke-gcloud-auth-plugin \
 && rm -rf /var/lib/apt/lists/*
