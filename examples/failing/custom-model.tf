# Terraform: no VPC, no customer-managed key, and an epoch count above the documented range.
# role_arn comes from another resource: rules that read it report "unknown" until apply.
resource "aws_bedrock_custom_model" "llama_summariser" {
  custom_model_name     = "summariser-llama31"
  job_name              = "summariser-ft"
  base_model_identifier = "meta.llama3-1-8b-instruct-v1:0:128k"
  role_arn              = aws_iam_role.bedrock_customization.arn

  hyperparameters = {
    "epochCount"   = 12
    "batchSize"    = "1"
    "learningRate" = "0.0001"
  }

  training_data_config {
    s3_uri = "s3://example-summaries/train/"
  }

  output_data_config {
    s3_uri = "s3://example-summaries/train/output/"
  }
}
