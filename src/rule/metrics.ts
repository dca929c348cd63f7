// The ruler's metrics under upstream's names: Prometheus's rule manager metrics (prometheus_rule_*, with the
// `strategy` label Thanos adds per partial-response manager), thanos_rule_*, and the alert queue and sender
// metrics (thanos_alert_queue_*, thanos_alert_sender_*).

import { Counter, Gauge, Histogram, Summary, type Registry } from 'prom-client';

export interface RuleMetrics {
  readonly iterations: Counter<'strategy' | 'rule_group'>;
  readonly iterationsMissed: Counter<'strategy' | 'rule_group'>;
  readonly evaluations: Counter<'strategy' | 'rule_group'>;
  readonly evalFailures: Counter<'strategy' | 'rule_group'>;
  readonly groupInterval: Gauge<'strategy' | 'rule_group'>;
  readonly groupLastEvalTime: Gauge<'strategy' | 'rule_group'>;
  readonly groupLastDuration: Gauge<'strategy' | 'rule_group'>;
  readonly groupLastSamples: Gauge<'strategy' | 'rule_group'>;
  readonly groupRules: Gauge<'strategy' | 'rule_group'>;
  readonly groupDuration: Summary<'strategy' | 'rule_group'>;
  readonly evalWithWarnings: Counter<'strategy'>;
  readonly loadedRules: Gauge<'strategy' | 'file' | 'group'>;
  readonly configReloadSuccess: Gauge;
  readonly configReloadTime: Gauge;
}

export function createRuleMetrics(registry: Registry): RuleMetrics {
  const registers = [registry];
  const g = ['strategy', 'rule_group'] as const;
  return {
    iterations: new Counter({ name: 'prometheus_rule_group_iterations_total', help: 'The total number of scheduled rule group evaluations, whether executed or missed.', labelNames: g, registers }),
    iterationsMissed: new Counter({ name: 'prometheus_rule_group_iterations_missed_total', help: 'The total number of rule group evaluations missed due to slow rule group evaluation.', labelNames: g, registers }),
    evaluations: new Counter({ name: 'prometheus_rule_evaluations_total', help: 'The total number of rule evaluations.', labelNames: g, registers }),
    evalFailures: new Counter({ name: 'prometheus_rule_evaluation_failures_total', help: 'The total number of rule evaluation failures.', labelNames: g, registers }),
    groupInterval: new Gauge({ name: 'prometheus_rule_group_interval_seconds', help: 'The interval of a rule group.', labelNames: g, registers }),
    groupLastEvalTime: new Gauge({ name: 'prometheus_rule_group_last_evaluation_timestamp_seconds', help: 'The timestamp of the last rule group evaluation in seconds.', labelNames: g, registers }),
    groupLastDuration: new Gauge({ name: 'prometheus_rule_group_last_duration_seconds', help: 'The duration of the last rule group evaluation.', labelNames: g, registers }),
    groupLastSamples: new Gauge({ name: 'prometheus_rule_group_last_evaluation_samples', help: 'The number of samples returned during the last rule group evaluation.', labelNames: g, registers }),
    groupRules: new Gauge({ name: 'prometheus_rule_group_rules', help: 'The number of rules.', labelNames: g, registers }),
    groupDuration: new Summary({ name: 'prometheus_rule_group_duration_seconds', help: 'The duration of rule group evaluations.', labelNames: g, percentiles: [0.01, 0.05, 0.5, 0.9, 0.99], registers }),
    evalWithWarnings: new Counter({ name: 'thanos_rule_evaluation_with_warnings_total', help: 'The total number of rule evaluation that were successful but had warnings which can indicate partial error.', labelNames: ['strategy'], registers }),
    loadedRules: new Gauge({ name: 'thanos_rule_loaded_rules', help: 'Loaded rules partitioned by file and group.', labelNames: ['strategy', 'file', 'group'], registers }),
    configReloadSuccess: new Gauge({ name: 'thanos_rule_config_last_reload_successful', help: 'Whether the last configuration reload attempt was successful.', registers }),
    configReloadTime: new Gauge({ name: 'thanos_rule_config_last_reload_success_timestamp_seconds', help: 'Timestamp of the last successful configuration reload.', registers }),
  };
}

export interface AlertMetrics {
  readonly queuePushed: Counter;
  readonly queuePopped: Counter;
  readonly queueDropped: Counter;
  readonly queueLength: Gauge;
  readonly queueCapacity: Gauge;
  readonly sent: Counter<'alertmanager'>;
  readonly errors: Counter<'alertmanager'>;
  readonly latency: Histogram<'alertmanager'>;
  readonly senderDropped: Counter;
}

export function createAlertMetrics(registry: Registry): AlertMetrics {
  const registers = [registry];
  return {
    queuePushed: new Counter({ name: 'thanos_alert_queue_alerts_pushed_total', help: 'Total number of alerts pushed to queue.', registers }),
    queuePopped: new Counter({ name: 'thanos_alert_queue_alerts_popped_total', help: 'Total number of alerts popped from queue.', registers }),
    queueDropped: new Counter({ name: 'thanos_alert_queue_alerts_dropped_total', help: 'Total number of alerts that were dropped from the queue.', registers }),
    queueLength: new Gauge({ name: 'thanos_alert_queue_length', help: 'Number of alerts in the queue.', registers }),
    queueCapacity: new Gauge({ name: 'thanos_alert_queue_capacity', help: 'Capacity of the queue.', registers }),
    sent: new Counter({ name: 'thanos_alert_sender_alerts_sent_total', help: 'Total number of alerts sent by alertmanager.', labelNames: ['alertmanager'], registers }),
    errors: new Counter({ name: 'thanos_alert_sender_errors_total', help: 'Total number of errors while sending alerts to alertmanager.', labelNames: ['alertmanager'], registers }),
    latency: new Histogram({ name: 'thanos_alert_sender_latency_seconds', help: 'Latency for sending alert notifications (not including dropped notifications).', labelNames: ['alertmanager'], registers }),
    senderDropped: new Counter({ name: 'thanos_alert_sender_alerts_dropped_total', help: 'Total number of alerts dropped in case of all sends to alertmanagers failed.', registers }),
  };
}
