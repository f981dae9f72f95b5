# Terraform: a Step Functions state machine that fine-tunes a model and waits for the job.
# The job name comes from the execution input; the role comes from another resource.
resource "aws_sfn_state_machine" "support_training" {
  name     = "support-training"
  role_arn = aws_iam_role.step_functions.arn

  definition = jsonencode({
    Comment = "Fine-tunes the support model"
    StartAt = "FineTuneSupportModel"
    States = {
      FineTuneSupportModel = {
        Type     = "Task"
        Resource = "arn:aws:states:::bedrock:createModelCustomizationJob.sync"
        Parameters = {
          "JobName.$"         = "$.jobName"
          CustomModelName     = "support-bot-lite-v5"
          RoleArn             = aws_iam_role.bedrock_customization.arn
          BaseModelIdentifier = "arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-text-lite-v1:0:4k"
          CustomModelKmsKeyId = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
          HyperParameters = {
            epochCount   = "2"
            batchSize    = "1"
            learningRate = "0.00001"
          }
          TrainingDataConfig = {
            S3Uri = "s3://example-ml-training-data/support-bot/train.jsonl"
          }
          ValidationDataConfig = {
            Validators = [{ S3Uri = "s3://example-ml-training-data/support-bot/validation.jsonl" }]
          }
          OutputDataConfig = {
            S3Uri = "s3://example-ml-output-us-east-1/support-bot/"
          }
          VpcConfig = {
            SubnetIds        = ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"]
            SecurityGroupIds = ["sg-0123456789abcdef0"]
          }
        }
        End = true
      }
    }
  })
}
