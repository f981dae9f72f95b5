# The read-only audit role that `bedrock-checker scan --organization` assumes in each account
# (docs/organizations.md), as a Terraform module: apply it in every account (for example with
# one provider per account, or from an account factory). Least privilege: the actions are
# those in docs/live.md and docs/deep.md, nothing more.

terraform {
  required_version = ">= 1.3"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
}

variable "role_name" {
  description = "The role's name (scan --role-name; BedrockCheckerAudit is the default there)."
  type        = string
  default     = "BedrockCheckerAudit"
}

variable "auditor_principal_arn" {
  description = "Who may assume the role: the role the audit runs as, in the management or delegated administrator account."
  type        = string
}

variable "external_id" {
  description = "If set, the role can be assumed only with this sts:ExternalId (scan --external-id)."
  type        = string
  default     = ""
}

variable "deep_checks" {
  description = "Also allow the KMS, IAM, S3, EC2, CloudTrail and Bedrock logging reads of scan --deep (docs/deep.md)."
  type        = bool
  default     = false
}

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  account   = data.aws_caller_identity.current.account_id
  partition = data.aws_partition.current.partition
}

data "aws_iam_policy_document" "trust" {
  statement {
    effect  = "Allow"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = [var.auditor_principal_arn]
    }
    dynamic "condition" {
      for_each = var.external_id == "" ? [] : [var.external_id]
      content {
        test     = "StringEquals"
        variable = "sts:ExternalId"
        values   = [condition.value]
      }
    }
  }
}

data "aws_iam_policy_document" "scan" {
  statement {
    sid       = "ListCustomizationJobs"
    actions   = ["bedrock:ListModelCustomizationJobs"]
    resources = ["*"]
  }
  statement {
    sid       = "ReadCustomizationJobsAndTheirTags"
    actions   = ["bedrock:GetModelCustomizationJob", "bedrock:ListTagsForResource"]
    resources = ["arn:${local.partition}:bedrock:*:${local.account}:model-customization-job/*"]
  }
  # GetCustomModel resolves a model to its job; the deep checks read the model's tags.
  statement {
    sid       = "ReadCustomModels"
    actions   = ["bedrock:GetCustomModel", "bedrock:ListTagsForResource"]
    resources = ["arn:${local.partition}:bedrock:*:${local.account}:custom-model/*"]
  }
  statement {
    sid       = "ListEnabledRegions"
    actions   = ["ec2:DescribeRegions"]
    resources = ["*"]
  }
}

data "aws_iam_policy_document" "deep" {
  statement {
    sid       = "ReadCustomModelKeys"
    actions   = ["kms:DescribeKey", "kms:GetKeyRotationStatus", "kms:GetKeyPolicy"]
    resources = ["arn:${local.partition}:kms:*:${local.account}:key/*"]
  }
  statement {
    sid       = "ReadAwsManagedPolicies"
    actions   = ["iam:GetPolicy", "iam:GetPolicyVersion"]
    resources = ["arn:${local.partition}:iam::aws:policy/*"]
  }
  statement {
    sid       = "ReadServiceRoles"
    actions   = ["iam:GetRole", "iam:ListAttachedRolePolicies", "iam:ListRolePolicies", "iam:GetRolePolicy"]
    resources = ["arn:${local.partition}:iam::${local.account}:role/*"]
  }
  statement {
    sid       = "ReadCustomerManagedPolicies"
    actions   = ["iam:GetPolicy", "iam:GetPolicyVersion"]
    resources = ["arn:${local.partition}:iam::${local.account}:policy/*"]
  }
  statement {
    sid       = "ReadDataBucketSettings"
    actions = [
      "s3:GetBucketPublicAccessBlock", "s3:GetEncryptionConfiguration", "s3:GetBucketPolicy",
      "s3:GetBucketVersioning", "s3:GetBucketObjectLockConfiguration", "s3:GetBucketLogging",
      "s3:ListBucketVersions",
    ]
    resources = ["arn:${local.partition}:s3:::*"]
  }
  statement {
    sid       = "ReadAccountPublicAccessBlock"
    actions   = ["s3:GetAccountPublicAccessBlock"]
    resources = ["*"]
  }
  statement {
    sid       = "ReadSubnetsRouteTablesSecurityGroups"
    actions   = ["ec2:DescribeSubnets", "ec2:DescribeRouteTables", "ec2:DescribeVpcEndpoints", "ec2:DescribeSecurityGroups"]
    resources = ["*"]
  }
  statement {
    sid       = "ReadTrailsForDataEvents"
    actions   = ["cloudtrail:DescribeTrails", "cloudtrail:GetTrailStatus", "cloudtrail:GetEventSelectors"]
    resources = ["*"]
  }
  statement {
    sid       = "ReadInvocationLogging"
    actions   = ["bedrock:GetModelInvocationLoggingConfiguration"]
    resources = ["*"]
  }
  statement {
    sid       = "ReadModelEvaluations"
    actions   = ["bedrock:ListEvaluationJobs", "bedrock:ListProvisionedModelThroughputs"]
    resources = ["*"]
  }
  statement {
    sid       = "ReadEvaluationJobs"
    actions   = ["bedrock:GetEvaluationJob"]
    resources = ["arn:${local.partition}:bedrock:*:${local.account}:evaluation-job/*"]
  }
}

resource "aws_iam_role" "audit" {
  name                 = var.role_name
  description          = "Read-only audit of Bedrock model customization jobs by bedrock-checker"
  assume_role_policy   = data.aws_iam_policy_document.trust.json
  max_session_duration = 3600
}

resource "aws_iam_role_policy" "scan" {
  name   = "bedrock-checker-scan"
  role   = aws_iam_role.audit.id
  policy = data.aws_iam_policy_document.scan.json
}

resource "aws_iam_role_policy" "deep" {
  count  = var.deep_checks ? 1 : 0
  name   = "bedrock-checker-deep"
  role   = aws_iam_role.audit.id
  policy = data.aws_iam_policy_document.deep.json
}

output "role_arn" {
  value = aws_iam_role.audit.arn
}
