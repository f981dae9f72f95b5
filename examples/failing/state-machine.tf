# Terraform: a state machine whose job writes its output over its validation data, and has
# no VPC. The definition is JSON text in a heredoc.
resource "aws_sfn_state_machine" "nightly_ft" {
  name     = "nightly-ft"
  role_arn = aws_iam_role.step_functions.arn

  definition = <<EOT
{
  "StartAt": "Create Nightly Job",
  "States": {
    "Create Nightly Job": {
      "Type": "Task",
      "Resource": "arn:aws:states:::bedrock:createModelCustomizationJob",
      "Parameters": {
        "JobName.$": "States.Format('nightly-{}', $$.Execution.Name)",
        "CustomModelName": "nightly-titan-lite",
        "RoleArn": "arn:aws:iam::111122223333:role/service-role/BedrockCustomizationRole",
        "BaseModelIdentifier": "arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-text-lite-v1:0:4k",
        "CustomModelKmsKeyId": "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "TrainingDataConfig": {"S3Uri": "s3://${var.data_bucket}/nightly/"},
        "OutputDataConfig": {"S3Uri": "s3://example-ml-data-us-east-1/nightly/"},
        "ValidationDataConfig": {
          "Validators": [{"S3Uri": "s3://example-ml-data-us-east-1/nightly/validation.jsonl"}]
        }
      },
      "End": true
    }
  }
}
EOT
}
