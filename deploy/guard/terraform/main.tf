# bedrock-checker guard as a Terraform module: the same resources as ../template.yaml (the
# EventBridge rules, the function, its least-privilege role, the dead-letter queue, the log group
# and an optional SNS topic) for one account and region. See docs/guard.md.
#
#   bedrock-checker guard package --out guard.zip
#   module "guard" {
#     source  = "./deploy/guard/terraform"
#     package = "guard.zip"
#   }

terraform {
  required_version = ">= 1.3"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
}

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account   = data.aws_caller_identity.current.account_id
  partition = data.aws_partition.current.partition
  region    = data.aws_region.current.name
  jobs_arn  = "arn:${local.partition}:bedrock:${local.region}:${local.account}:model-customization-job/*"

  # Source: Amazon EventBridge events reference, "Amazon Bedrock events" (events-ref-bedrock).
  # Needs a CloudTrail trail that logs management events in this region.
  job_created_pattern = {
    source      = ["aws.bedrock"]
    detail-type = ["AWS API Call via CloudTrail"]
    detail = {
      eventSource = ["bedrock.amazonaws.com"]
      eventName   = ["CreateModelCustomizationJob"]
    }
  }
  # Source: Amazon Bedrock User Guide, "How EventBridge for Amazon Bedrock works".
  job_state_change_pattern = {
    source      = ["aws.bedrock"]
    detail-type = ["Model Customization Job State Change"]
  }
  rules = {
    created = {
      description = "bedrock:CreateModelCustomizationJob calls, through CloudTrail"
      pattern     = local.job_created_pattern
    }
    state-change = {
      description = "Bedrock model customization job state changes"
      pattern     = local.job_state_change_pattern
    }
  }
}

resource "aws_sqs_queue" "dead_letters" {
  name_prefix               = "${var.name}-dlq-"
  message_retention_seconds = 1209600 # 14 days: time to fix the configuration and replay
  sqs_managed_sse_enabled   = true
}

data "aws_iam_policy_document" "dead_letters" {
  statement {
    sid       = "EventBridgeTargetsThatCouldNotBeInvoked"
    effect    = "Allow"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dead_letters.arn]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [for rule in aws_cloudwatch_event_rule.guard : rule.arn]
    }
  }
}

resource "aws_sqs_queue_policy" "dead_letters" {
  queue_url = aws_sqs_queue.dead_letters.id
  policy    = data.aws_iam_policy_document.dead_letters.json
}

resource "aws_sns_topic" "guard" {
  count             = var.create_topic ? 1 : 0
  name_prefix       = "${var.name}-"
  kms_master_key_id = "alias/aws/sns"
}

resource "aws_sns_topic_subscription" "email" {
  count     = var.create_topic && var.notification_email != "" ? 1 : 0
  topic_arn = aws_sns_topic.guard[0].arn
  protocol  = "email"
  endpoint  = var.notification_email
}

resource "aws_cloudwatch_log_group" "guard" {
  name              = "/aws/lambda/${var.name}"
  retention_in_days = var.log_retention_days
}

data "aws_iam_policy_document" "trust" {
  statement {
    effect  = "Allow"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }
  }
}

# Statement by statement as the template's GuardRole; a dynamic statement exists only when its
# variable turns it on.
data "aws_iam_policy_document" "guard" {
  statement {
    sid       = "WriteOwnLogs"
    effect    = "Allow"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.guard.arn}:*"]
  }
  statement {
    sid       = "ReadJobs"
    effect    = "Allow"
    actions   = ["bedrock:GetModelCustomizationJob", "bedrock:ListTagsForResource"]
    resources = [local.jobs_arn]
  }
  dynamic "statement" {
    for_each = var.stop_on == "error" ? [1] : []
    content {
      sid       = "StopJobs"
      effect    = "Allow"
      actions   = ["bedrock:StopModelCustomizationJob"]
      resources = [local.jobs_arn]
    }
  }
  statement {
    sid       = "DeadLetters"
    effect    = "Allow"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dead_letters.arn]
  }
  dynamic "statement" {
    for_each = var.create_topic ? [1] : []
    content {
      sid       = "Notify"
      effect    = "Allow"
      actions   = ["sns:Publish"]
      resources = [aws_sns_topic.guard[0].arn]
    }
  }
  dynamic "statement" {
    for_each = var.security_hub ? [1] : []
    content {
      sid       = "ImportFindings"
      effect    = "Allow"
      actions   = ["securityhub:BatchImportFindings"]
      resources = ["arn:${local.partition}:securityhub:${local.region}:${local.account}:product/${local.account}/default"]
    }
  }
  dynamic "statement" {
    for_each = var.deep ? [1] : []
    content {
      sid       = "DeepReadKeys"
      effect    = "Allow"
      actions   = ["kms:DescribeKey", "kms:GetKeyRotationStatus", "kms:GetKeyPolicy"]
      resources = ["arn:${local.partition}:kms:*:${local.account}:key/*"]
    }
  }
  dynamic "statement" {
    for_each = var.deep ? [1] : []
    content {
      sid    = "DeepReadRoles"
      effect = "Allow"
      actions = [
        "iam:GetRole",
        "iam:ListAttachedRolePolicies",
        "iam:ListRolePolicies",
        "iam:GetRolePolicy",
        "iam:GetPolicy",
        "iam:GetPolicyVersion",
      ]
      resources = [
        "arn:${local.partition}:iam::${local.account}:role/*",
        "arn:${local.partition}:iam::${local.account}:policy/*",
        "arn:${local.partition}:iam::aws:policy/*",
      ]
    }
  }
  dynamic "statement" {
    for_each = var.deep ? [1] : []
    content {
      sid    = "DeepReadBuckets"
      effect = "Allow"
      actions = [
        "s3:GetBucketPublicAccessBlock",
        "s3:GetEncryptionConfiguration",
        "s3:GetBucketPolicy",
        "s3:GetBucketVersioning",
        "s3:GetBucketObjectLockConfiguration",
        "s3:GetBucketLogging",
      ]
      resources = ["arn:${local.partition}:s3:::*"]
    }
  }
  dynamic "statement" {
    for_each = var.deep ? [1] : []
    content {
      sid    = "DeepReadAccountAndNetwork"
      effect = "Allow"
      # Actions with no resource-level permissions, or on resources found at run time (the
      # account's trails), as docs/deep.md lists them.
      actions = [
        "s3:GetAccountPublicAccessBlock",
        "ec2:DescribeSubnets",
        "ec2:DescribeRouteTables",
        "ec2:DescribeVpcEndpoints",
        "ec2:DescribeSecurityGroups",
        "cloudtrail:DescribeTrails",
        "cloudtrail:GetTrailStatus",
        "cloudtrail:GetEventSelectors",
        "bedrock:GetModelInvocationLoggingConfiguration",
        "bedrock:ListEvaluationJobs",
        "bedrock:ListProvisionedModelThroughputs",
      ]
      resources = ["*"]
    }
  }
  dynamic "statement" {
    for_each = var.deep ? [1] : []
    content {
      sid    = "DeepReadModelEvaluations"
      effect = "Allow"
      # BMC105: an evaluation job whose summary names no model, the model's tags.
      actions = ["bedrock:GetEvaluationJob", "bedrock:ListTagsForResource"]
      resources = [
        "arn:${local.partition}:bedrock:*:${local.account}:evaluation-job/*",
        "arn:${local.partition}:bedrock:*:${local.account}:custom-model/*",
      ]
    }
  }
}

resource "aws_iam_role" "guard" {
  name_prefix        = "${var.name}-"
  assume_role_policy = data.aws_iam_policy_document.trust.json
}

resource "aws_iam_role_policy" "guard" {
  name   = "guard"
  role   = aws_iam_role.guard.id
  policy = data.aws_iam_policy_document.guard.json
}

resource "aws_lambda_function" "guard" {
  function_name                  = var.name
  description                    = "Checks Bedrock model customization jobs against policy as they are created."
  runtime                        = "python3.13"
  handler                        = "checker.guard.handler"
  filename                       = var.package
  source_code_hash               = filebase64sha256(var.package)
  architectures                  = ["arm64"]
  memory_size                    = 512
  timeout                        = 60
  reserved_concurrent_executions = var.reserved_concurrency
  role                           = aws_iam_role.guard.arn
  dead_letter_config {
    target_arn = aws_sqs_queue.dead_letters.arn
  }
  environment {
    variables = {
      POLICIES      = var.policies
      WAIVERS       = var.waivers
      DEEP          = var.deep ? "true" : "false"
      STOP_ON       = var.stop_on
      SNS_TOPIC_ARN = var.create_topic ? aws_sns_topic.guard[0].arn : ""
      SECURITY_HUB  = var.security_hub ? "true" : "false"
    }
  }
  depends_on = [aws_cloudwatch_log_group.guard, aws_iam_role_policy.guard]
}

resource "aws_lambda_function_event_invoke_config" "guard" {
  function_name                = aws_lambda_function.guard.function_name
  qualifier                    = "$LATEST"
  maximum_retry_attempts       = 2
  maximum_event_age_in_seconds = 3600
}

resource "aws_cloudwatch_event_rule" "guard" {
  for_each      = local.rules
  name_prefix   = "${var.name}-${each.key}-"
  description   = each.value.description
  event_pattern = jsonencode(each.value.pattern)
}

resource "aws_cloudwatch_event_target" "guard" {
  for_each = local.rules
  rule     = aws_cloudwatch_event_rule.guard[each.key].name
  arn      = aws_lambda_function.guard.arn
  retry_policy {
    maximum_retry_attempts       = 8
    maximum_event_age_in_seconds = 3600
  }
  dead_letter_config {
    arn = aws_sqs_queue.dead_letters.arn
  }
}

resource "aws_lambda_permission" "guard" {
  for_each      = local.rules
  function_name = aws_lambda_function.guard.function_name
  action        = "lambda:InvokeFunction"
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.guard[each.key].arn
}
