import { render } from 'preact';
import { backgroundApi } from '../../components/ui/api';
import { readCaptureUrl } from '../../lib/background/capture';
import Capture from '../../components/capture/Capture';
import '../../components/ui/ui.css';
import '../../components/capture/capture.css';

const { mode, capture } = readCaptureUrl(location.search);
render(
  <Capture api={backgroundApi} mode={mode} capture={capture} close={() => window.close()} />,
  document.getElementById('app')!,
);
