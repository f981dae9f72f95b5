# The template's parameters, under Terraform's names (docs/guard.md#configuration).

variable "package" {
  description = "Path of the deployment zip that `bedrock-checker guard package` builds."
  type        = string
}

variable "name" {
  description = "Name of the function and log group; prefix of the other resources' names."
  type        = string
  default     = "bedrock-checker-guard"
}

variable "stop_on" {
  description = "off: log and notify what would be stopped (dry run). error: stop running jobs with unwaived error-level findings (adds bedrock:StopModelCustomizationJob to the role)."
  type        = string
  default     = "off"
  validation {
    condition     = contains(["off", "error"], var.stop_on)
    error_message = "stop_on is off or error."
  }
}

variable "policies" {
  description = "builtin packs and policy files bundled in the zip (config/NAME), space-separated."
  type        = string
  default     = "builtin:baseline"
}

variable "waivers" {
  description = "Waiver files bundled in the zip (config/NAME), space-separated."
  type        = string
  default     = ""
}

variable "deep" {
  description = "Also read each job's KMS key, role, buckets, subnets and security groups (docs/deep.md)."
  type        = bool
  default     = false
}

variable "security_hub" {
  description = "Import findings into AWS Security Hub (must be enabled in the region)."
  type        = bool
  default     = false
}

variable "create_topic" {
  description = "Create an SNS topic for failed, unreadable and stopped jobs."
  type        = bool
  default     = false
}

variable "notification_email" {
  description = "With create_topic, subscribe this address to the topic (optional)."
  type        = string
  default     = ""
}

variable "reserved_concurrency" {
  description = "Most concurrent checks; events beyond it wait in Lambda's async queue."
  type        = number
  default     = 5
  validation {
    condition     = var.reserved_concurrency >= 1
    error_message = "reserved_concurrency is at least 1."
  }
}

variable "log_retention_days" {
  description = "Days the function's logs are kept."
  type        = number
  default     = 90
}
