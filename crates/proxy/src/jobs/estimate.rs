//! A job's plan from what the engine offers and how long its steps take,
//! and what a finished step teaches the timings.

use std::time::Duration;

use trellis_api::{
    ExtractParams, GenerateParams, Generation, Phase, PipelineEstimate, PipelineType, Preset,
};

use super::{Jobs, plan::Plan, timing::Step};

impl Jobs {
    /// The phases of a generation: waking the GPU when `cold`, generating,
    /// the preview video and the first extraction when the engine has them.
    pub(super) async fn plan(&self, generation: &Generation, cold: bool) -> Plan {
        let first_model = generation.models.first().map(|model| model.params);
        self.plan_for(generation.params.pipeline_type, first_model, cold)
            .await
    }

    /// The expected length of a whole job of each pipeline type, were one
    /// submitted now: what the UI shows before anything is submitted. The
    /// first model is the default (balanced) one.
    pub async fn pipeline_estimates(&self) -> Vec<PipelineEstimate> {
        let cold = self.engine_is_cold();
        // Balanced is the web default, so it is what a new job extracts first.
        let first_model = Some(Preset::Balanced.params());
        let mut estimates = Vec::with_capacity(PipelineType::ALL.len());
        for pipeline_type in PipelineType::ALL {
            let plan = self.plan_for(pipeline_type, first_model, cold).await;
            estimates.push(PipelineEstimate {
                pipeline_type,
                seconds: plan.total().as_secs_f32(),
            });
        }
        estimates
    }

    /// The phases of a job of `pipeline` whose first model is `first_model`.
    async fn plan_for(
        &self,
        pipeline: PipelineType,
        first_model: Option<ExtractParams>,
        cold: bool,
    ) -> Plan {
        let capabilities = self.pool.capabilities();
        let mut phases = Vec::new();
        if cold {
            phases.push((
                Phase::WakingGpu,
                self.timings.expected(Step::ColdStart).await,
            ));
        }
        let generate = Step::Generate(pipeline);
        phases.push((Phase::Generating, self.timings.expected(generate).await));
        if capabilities.has_preview_video {
            phases.push((
                Phase::RenderingPreview,
                self.timings.expected(Step::Preview).await,
            ));
        }
        if capabilities.can_extract
            && let Some(first) = first_model
        {
            phases.push((Phase::ExtractingGlb, self.extract_expected(first).await));
        }
        Plan::new(phases)
    }

    /// How long one extraction is expected to take.
    pub(super) async fn extract_expected(&self, params: ExtractParams) -> Duration {
        self.timings.expected(Step::Extract(params)).await
    }

    /// Learns from a generate call that took `took`. The call includes the
    /// preview video, and on a cold engine the cold start: those parts are
    /// taken out at their expected length.
    pub(super) async fn learn_generate(&self, params: &GenerateParams, cold: bool, took: Duration) {
        let generate = Step::Generate(params.pipeline_type);
        let preview = if self.pool.capabilities().has_preview_video {
            self.timings.expected(Step::Preview).await
        } else {
            Duration::ZERO
        };
        if cold {
            let warm = self.timings.expected(generate).await + preview;
            self.timings
                .observe(Step::ColdStart, took.saturating_sub(warm))
                .await;
        } else {
            self.timings
                .observe(generate, took.saturating_sub(preview))
                .await;
        }
    }

    /// Learns from an extraction that took `took`.
    pub(super) async fn learn_extract(&self, params: ExtractParams, took: Duration) {
        self.timings.observe(Step::Extract(params), took).await;
    }
}
