output "function_arn" {
  value = aws_lambda_function.guard.arn
}

output "dead_letter_queue_url" {
  value = aws_sqs_queue.dead_letters.url
}

output "topic_arn" {
  value = var.create_topic ? aws_sns_topic.guard[0].arn : null
}
