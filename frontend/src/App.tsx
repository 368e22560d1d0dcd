import { lazy, Suspense, useEffect, useState } from "react";
import { BrowserRouter, Navigate, Route, Routes } from "react-router-dom";
import { getToken, setUnauthorizedHandler } from "./api/client";
import { EventsProvider } from "./api/events";
import { Layout } from "./components/Layout";
import { Empty, Loading } from "./components/ui";
import { DatasetDetailPage, DatasetsPage } from "./pages/DatasetsPage";
import { DlaasDetailPage, DlaasPage } from "./pages/DlaasPage";
import { ExperimentsPage } from "./pages/ExperimentsPage";
import { ImportModelPage } from "./pages/ImportModelPage";
import { KernelDetailPage, KernelsPage } from "./pages/KernelsPage";
import { LoginPage } from "./pages/LoginPage";
import { ModelsPage } from "./pages/ModelsPage";
import { QueuePage } from "./pages/QueuePage";
import { TokensPage } from "./pages/TokensPage";
import { ValidatePage } from "./pages/ValidatePage";
import { ValidationPage } from "./pages/ValidationPage";

// The screens with the editor (CodeMirror, ajv) and the charts (uPlot) load when first opened.
const TrainPage = lazy(() => import("./pages/TrainPage").then((m) => ({ default: m.TrainPage })));
const ModelDetailPage = lazy(() => import("./pages/ModelDetailPage").then((m) => ({ default: m.ModelDetailPage })));
const ExperimentDetailPage = lazy(() =>
  import("./pages/ExperimentDetailPage").then((m) => ({ default: m.ExperimentDetailPage })),
);

export function App() {
  const [refused, setRefused] = useState(false);
  useEffect(() => setUnauthorizedHandler(() => setRefused(true)), []);
  if (!getToken() || refused) return <LoginPage refused={refused} />;
  return (
    <BrowserRouter>
      <EventsProvider>
        <Layout>
          <Suspense fallback={<Loading />}>
          <Routes>
            <Route path="/" element={<Navigate to="/models" replace />} />
            <Route path="/models" element={<ModelsPage />} />
            <Route path="/models/new" element={<TrainPage mode="train" />} />
            <Route path="/models/import" element={<ImportModelPage />} />
            <Route path="/models/:id" element={<ModelDetailPage />} />
            <Route path="/models/:id/retrain" element={<TrainPage mode="retrain" />} />
            <Route path="/models/:id/continue" element={<TrainPage mode="continue" />} />
            <Route path="/models/:id/validate" element={<ValidatePage />} />
            <Route path="/validations/:id" element={<ValidationPage />} />
            <Route path="/experiments" element={<ExperimentsPage />} />
            <Route path="/experiments/:id" element={<ExperimentDetailPage />} />
            <Route path="/queue" element={<QueuePage />} />
            <Route path="/kernels" element={<KernelsPage />} />
            <Route path="/kernels/:id" element={<KernelDetailPage />} />
            <Route path="/datasets" element={<DatasetsPage />} />
            <Route path="/datasets/:id" element={<DatasetDetailPage />} />
            <Route path="/dlaas" element={<DlaasPage />} />
            <Route path="/dlaas/:id" element={<DlaasDetailPage />} />
            <Route path="/tokens" element={<TokensPage />} />
            <Route path="*" element={<Empty>404</Empty>} />
          </Routes>
          </Suspense>
        </Layout>
      </EventsProvider>
    </BrowserRouter>
  );
}
