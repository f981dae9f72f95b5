# Terraform: a fine-tuning job that meets the baseline.
resource "aws_bedrock_custom_model" "support_bot" {
  custom_model_name       = "support-bot-lite-v4"
  job_name                = "support-bot-ft-2026-12"
  base_model_identifier   = "arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-text-lite-v1:0:4k"
  role_arn                = "arn:aws:iam::111122223333:role/service-role/BedrockCustomizationRole"
  custom_model_kms_key_id = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  customization_type      = "FINE_TUNING"

  hyperparameters = {
    "epochCount"              = "2"
    "batchSize"               = "1"
    "learningRate"            = "0.00001"
    "learningRateWarmupSteps" = "5"
  }

  training_data_config {
    s3_uri = "s3://example-ml-training-data/support-bot/train.jsonl"
  }

  validation_data_config {
    validator {
      s3_uri = "s3://example-ml-training-data/support-bot/validation.jsonl"
    }
  }

  output_data_config {
    s3_uri = "s3://example-ml-output-us-east-1/support-bot/"
  }

  vpc_config {
    subnet_ids         = ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]
    security_group_ids = ["sg-0123456789abcdef0"]
  }
}
